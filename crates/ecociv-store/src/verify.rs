//! Verifying a zone's records against its audit trail: the chain itself and its head, and every
//! stored observation, dispatch report, assigned target, user, session, API token, masthead,
//! zone settings, period,
//! scoring rules, assessment, veto, supervision order, rectification task, contact, reminder settings, evidence file (its content too) and the plan against its
//! last recorded state — so that a value edited directly in the database is caught too. This is
//! the one part of the store that reads all the others; the trail itself knows none of them.

use async_trait::async_trait;
use ecociv_core::trail::{Broken, TrailEvent};
use serde::Serialize;

use crate::accounts::AccountStore;
use crate::controls::{ControlStore, ScoringStore, VetoStore};
use crate::db::{PgStore, Result, SqliteStore};
use crate::entries::EntryStore;
use crate::mastheads::MastheadStore;
use crate::plans::{PlanStore, plan_fingerprint};
use crate::rectifications::RectificationStore;
use crate::reminders::ReminderStore;
use crate::supervision::SupervisionStore;
use crate::trail::TrailStore;

/// A stored row that does not match the trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tampered {
    pub entity: String,
    pub entity_id: String,
    pub problem: String,
}

/// The result of `verify` for one zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub zone: String,
    pub events: usize,
    /// The first broken link of the chain.
    pub broken: Option<Broken>,
    /// Rows whose stored content differs from their last recorded state.
    pub tampered: Vec<Tampered>,
}

impl Verification {
    pub fn ok(&self) -> bool {
        self.broken.is_none() && self.tampered.is_empty()
    }
}

/// Compares the current rows (entity, id, canonical JSON) with the last `after` of each entity
/// in the events.
pub fn compare_states(events: &[TrailEvent], entity: &str, rows: &[(String, String)]) -> Vec<Tampered> {
    use std::collections::BTreeMap;
    let mut last: BTreeMap<&str, &str> = BTreeMap::new();
    for e in events.iter().filter(|e| e.entity == entity) {
        last.insert(&e.entity_id, &e.after);
    }
    let mut out = Vec::new();
    for (id, state) in rows {
        match last.remove(id.as_str()) {
            None => out.push(Tampered { entity: entity.into(), entity_id: id.clone(), problem: "stored but never recorded in the trail".into() }),
            Some(after) if after != state => out.push(Tampered {
                entity: entity.into(),
                entity_id: id.clone(),
                problem: format!("stored {} differs from the last recorded state", differing(state, after)),
            }),
            Some(_) => {}
        }
    }
    for (id, after) in last {
        if !after.is_empty() {
            out.push(Tampered { entity: entity.into(), entity_id: id.into(), problem: "recorded in the trail but missing from the store".into() });
        }
    }
    out
}

/// The fields in which two JSON objects differ: `value "90" (recorded "86.2")`.
fn differing(stored: &str, recorded: &str) -> String {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) = (serde_json::from_str(stored), serde_json::from_str(recorded)) else {
        return stored.to_string();
    };
    let mut parts = Vec::new();
    for (k, v) in &a {
        if b.get(k) != Some(v) {
            parts.push(format!("{k} {v} (recorded {})", b.get(k).map(|x| x.to_string()).unwrap_or_else(|| "nothing".into())));
        }
    }
    for k in b.keys().filter(|k| !a.contains_key(*k)) {
        parts.push(format!("{k} missing"));
    }
    parts.join(", ")
}

/// Verifying the trail of a zone.
#[async_trait]
pub trait VerifyStore: Send + Sync {
    /// Checks the chain and every stored row against its last recorded state.
    async fn verify(&self, zone: &str) -> Result<Verification>;
}

macro_rules! verify_impl {
    ($store:ident) => {
        #[async_trait]
        impl VerifyStore for $store {
            async fn verify(&self, zone: &str) -> Result<Verification> {
                let events = self.trail(zone).await?;
                let mut broken = ecociv_core::trail::verify_chain(&events).err();
                // the head written with the last event: events cut off the end leave it behind
                let head: Option<(i64, String)> =
                    sqlx::query_as("SELECT seq, hash FROM trail_heads WHERE zone_code = $1").bind(zone).fetch_optional(&self.pool).await?;
                let last = events.last().map(|e| (e.seq, e.hash.clone()));
                if broken.is_none() && head != last {
                    let (seq, problem) = match (&head, &last) {
                        (Some((s, _)), Some((l, _))) if s > l => {
                            (*l + 1, format!("the trail ends at event {l} but its head says {s}: events were cut off the end"))
                        }
                        (Some((s, _)), None) => (1, format!("the trail is empty but its head says {s}: events were removed")),
                        (None, Some(_)) => (1, "the trail has no head record".to_string()),
                        _ => (last.as_ref().map(|l| l.0).unwrap_or(0), "the trail's head does not match its last event".to_string()),
                    };
                    broken = Some(Broken { seq, entity: "trail".into(), entity_id: zone.into(), problem });
                }
                let mut tampered = Vec::new();
                let obs: Vec<(String, String)> = self.observations(zone).await?.iter().map(|o| (o.id.to_string(), o.state_json())).collect();
                tampered.extend(compare_states(&events, "observation", &obs));
                let dis: Vec<(String, String)> = self.dispatch_reports(zone).await?.iter().map(|d| (d.id.to_string(), d.state_json())).collect();
                tampered.extend(compare_states(&events, "dispatch_report", &dis));
                let ut: Vec<(String, String)> =
                    self.upper_targets(zone).await?.iter().map(|t| (format!("{}/{}", t.indicator, t.year), t.state_json())).collect();
                tampered.extend(compare_states(&events, "upper_target", &ut));
                let users: Vec<(String, String)> = self.users(zone).await?.iter().map(|u| (u.name.clone(), u.state_json())).collect();
                tampered.extend(compare_states(&events, "user", &users));
                let tokens: Vec<(String, String)> = self.zone_tokens(zone).await?.iter().map(|t| (t.id.to_string(), t.state_json())).collect();
                tampered.extend(compare_states(&events, "api_token", &tokens));
                // the plan as stored must still be the plan as loaded
                if let Some(plan) = PlanStore::plan(self, zone).await? {
                    let stored = plan_fingerprint(&plan);
                    let recorded = events
                        .iter()
                        .rev()
                        .find(|e| e.entity == "plan")
                        .and_then(|e| serde_json::from_str::<serde_json::Value>(&e.after).ok())
                        .and_then(|v| v.get("stored").and_then(|s| s.as_str()).map(String::from));
                    if recorded.as_deref() != Some(stored.as_str()) {
                        tampered.push(Tampered {
                            entity: "plan".into(),
                            entity_id: plan.code.clone(),
                            problem: "the stored plan (indicators, leads, tasks, projects, org units) differs from the plan as loaded".into(),
                        });
                    }
                }
                // each plan superseded must be as it was when the next was issued, and kept
                let archived = self.archived_plans(zone).await?;
                for e in events.iter().filter(|e| e.entity == "plan" && e.action == "plan.issued") {
                    let code = serde_json::from_str::<serde_json::Value>(&e.before).ok().and_then(|v| v.get("code").and_then(|c| c.as_str()).map(String::from));
                    if let Some(code) = code.filter(|c| !archived.iter().any(|(p, ..)| p.code == *c)) {
                        tampered.push(Tampered { entity: "plan".into(), entity_id: code, problem: "a plan superseded is no longer kept".into() });
                    }
                }
                for (earlier, _, by) in archived {
                    let recorded = events
                        .iter()
                        .rev()
                        .find(|e| e.entity == "plan" && e.action == "plan.issued" && e.entity_id == by)
                        .and_then(|e| serde_json::from_str::<serde_json::Value>(&e.after).ok())
                        .and_then(|v| v.get("archived").and_then(|s| s.as_str()).map(String::from));
                    if recorded.as_deref() != Some(plan_fingerprint(&earlier).as_str()) {
                        tampered.push(Tampered {
                            entity: "plan".into(),
                            entity_id: earlier.code.clone(),
                            problem: "the earlier plan as kept differs from the plan as it was superseded".into(),
                        });
                    }
                }
                let sessions: Vec<(String, String)> = self.zone_sessions(zone).await?.iter().map(|x| (x.id_hash.clone(), x.state_json())).collect();
                tampered.extend(compare_states(&events, "session", &sessions));
                let mastheads: Vec<(String, String)> =
                    self.mastheads(zone).await?.iter().map(|m| (format!("{}/{}", m.kind, m.period), m.state_json())).collect();
                tampered.extend(compare_states(&events, "masthead", &mastheads));
                let settings: Vec<(String, String)> = self.zone_settings(zone).await?.iter().map(|x| (x.zone.clone(), x.state_json())).collect();
                tampered.extend(compare_states(&events, "zone_settings", &settings));
                let periods: Vec<(String, String)> = self.periods(zone).await?.iter().map(|x| (x.period.clone(), x.state_json())).collect();
                tampered.extend(compare_states(&events, "period", &periods));
                let rules: Vec<(String, String)> = self.scoring_rules(zone).await?.iter().map(|x| (x.version.to_string(), x.state_json())).collect();
                tampered.extend(compare_states(&events, "scoring_rules", &rules));
                let assessments: Vec<(String, String)> = self.assessments(zone).await?.iter().map(|x| (x.id.to_string(), x.state_json())).collect();
                tampered.extend(compare_states(&events, "assessment", &assessments));
                let vetoes: Vec<(String, String)> = self.vetoes(zone).await?.iter().map(|x| (x.id.to_string(), x.state_json())).collect();
                tampered.extend(compare_states(&events, "veto", &vetoes));
                let orders: Vec<(String, String)> = self.orders(zone).await?.iter().map(|x| (x.id.to_string(), x.state_json())).collect();
                tampered.extend(compare_states(&events, "supervision_order", &orders));
                let rects: Vec<(String, String)> = self.rectifications(zone).await?.iter().map(|x| (x.id.to_string(), x.state_json())).collect();
                tampered.extend(compare_states(&events, "rectification", &rects));
                let contacts: Vec<(String, String)> = self.user_contacts(zone).await?.iter().map(|x| (x.user.clone(), x.state_json())).collect();
                tampered.extend(compare_states(&events, "user_contact", &contacts));
                let units: Vec<(String, String)> = self.unit_contacts(zone).await?.iter().map(|x| (x.org_unit.clone(), x.state_json())).collect();
                tampered.extend(compare_states(&events, "unit_contact", &units));
                let reminding: Vec<(String, String)> = self.reminder_settings(zone).await?.iter().map(|x| (x.zone.clone(), x.state_json())).collect();
                tampered.extend(compare_states(&events, "reminder_settings", &reminding));
                let evidence = self.all_evidence(zone).await?;
                let rows: Vec<(String, String)> = evidence.iter().map(|x| (x.id.to_string(), x.state_json())).collect();
                tampered.extend(compare_states(&events, "evidence", &rows));
                // the stored files themselves: their content must still have their hash
                for e in &evidence {
                    match self.blob(zone, &e.hash).await? {
                        Some(content) if ecociv_core::record::content_hash(&content) == e.hash => {}
                        Some(_) => tampered.push(Tampered {
                            entity: "evidence".into(),
                            entity_id: e.id.to_string(),
                            problem: format!("the content of {} no longer has its hash", e.file_name),
                        }),
                        None => tampered.push(Tampered {
                            entity: "evidence".into(),
                            entity_id: e.id.to_string(),
                            problem: format!("the content of {} is missing", e.file_name),
                        }),
                    }
                }
                Ok(Verification { zone: zone.into(), events: events.len(), broken, tampered })
            }
        }
    };
}

verify_impl!(SqliteStore);
verify_impl!(PgStore);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trail::{chain, event};

    #[test]
    fn states_are_compared_with_the_last_record() {
        let evs = vec![
            chain(event("z", "a", "observation.submitted", "observation", "1", "", "{\"v\":1}", ""), None),
            chain(event("z", "a", "observation.submitted", "observation", "2", "", "{\"v\":2}", ""), None),
        ];
        assert!(compare_states(&evs, "observation", &[("1".into(), "{\"v\":1}".into()), ("2".into(), "{\"v\":2}".into())]).is_empty());
        let t = compare_states(&evs, "observation", &[("1".into(), "{\"v\":9}".into()), ("3".into(), "{}".into())]);
        let ids: Vec<(&str, &str)> = t.iter().map(|x| (x.entity_id.as_str(), &x.problem[..12])).collect();
        assert_eq!(ids, vec![("1", "stored v 9 ("), ("3", "stored but n"), ("2", "recorded in ")]);
    }
}
