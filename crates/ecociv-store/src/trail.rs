//! The audit trail in the store: appending an event inside the transaction of the write it
//! records (the zone's row is locked first, so events of one zone are strictly sequential on
//! both databases), reading it back, and `verify`: the chain itself, and every stored
//! observation, dispatch report, assigned target and user against its last recorded state —
//! so that a value edited directly in the database is caught too.

use chrono::{SecondsFormat, Utc};
use ecociv_core::trail::{Broken, TrailEvent};
use serde::Serialize;

/// Now, as the trail writes it.
pub fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A new event (not yet chained).
pub fn event(zone: &str, actor: &str, action: &str, entity: &str, entity_id: &str, before: &str, after: &str, reason: &str) -> TrailEvent {
    TrailEvent {
        zone: zone.into(),
        seq: 0,
        at: now(),
        actor: actor.into(),
        action: action.into(),
        entity: entity.into(),
        entity_id: entity_id.into(),
        before: before.into(),
        after: after.into(),
        reason: reason.into(),
        prev_hash: String::new(),
        hash: String::new(),
    }
}

/// Chains an event after the zone's last (seq, hash).
pub fn chain(ev: TrailEvent, last: Option<(i64, String)>) -> TrailEvent {
    let prev = last.map(|(seq, hash)| TrailEvent { seq, hash, ..ev.clone() });
    ev.chain_after(prev.as_ref())
}

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

/// Begins a write transaction for a zone: the zone's row is locked first (PostgreSQL row lock;
/// the SQLite write lock), so that trail events of one zone are appended one after another.
macro_rules! begin_write {
    ($pool:expr, $zone:expr) => {{
        let mut tx = $pool.begin().await?;
        sqlx::query("UPDATE zones SET code = code WHERE code = $1").bind($zone).execute(&mut *tx).await?;
        tx
    }};
}
pub(crate) use begin_write;

/// Appends a chained event inside the transaction. With a cursor `$head` (a batch: an
/// `Option<Option<(seq, hash)>>`, `None` until read), the chain's head is read once and kept
/// in memory, and the head row is left to [`write_head!`] at the end of the batch; alone, the
/// head is read and the head row written for this one event.
macro_rules! append_event {
    ($tx:expr, $ev:expr) => {{
        let mut head: Option<Option<(i64, String)>> = None;
        let ev = $crate::trail::append_event!($tx, $ev, head);
        $crate::trail::write_head!($tx, &ev.zone, head);
        ev
    }};
    ($tx:expr, $ev:expr, $head:ident) => {{
        let ev: ecociv_core::trail::TrailEvent = $ev;
        let last: Option<(i64, String)> = match &$head {
            Some(known) => known.clone(),
            None => {
                sqlx::query_as("SELECT seq, hash FROM trail WHERE zone_code = $1 ORDER BY seq DESC LIMIT 1").bind(&ev.zone).fetch_optional(&mut *$tx).await?
            }
        };
        let ev = $crate::trail::chain(ev, last);
        sqlx::query(
            "INSERT INTO trail (zone_code, seq, at, actor, action, entity, entity_id, before_state, after_state, reason, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&ev.zone)
        .bind(ev.seq)
        .bind(&ev.at)
        .bind(&ev.actor)
        .bind(&ev.action)
        .bind(&ev.entity)
        .bind(&ev.entity_id)
        .bind(&ev.before)
        .bind(&ev.after)
        .bind(&ev.reason)
        .bind(&ev.prev_hash)
        .bind(&ev.hash)
        .execute(&mut *$tx)
        .await?;
        $head = Some(Some((ev.seq, ev.hash.clone())));
        ev
    }};
}

/// Writes the head row of a zone's chain from a cursor of [`append_event!`].
macro_rules! write_head {
    ($tx:expr, $zone:expr, $head:ident) => {{
        if let Some(Some((seq, hash))) = &$head {
            sqlx::query(
                "INSERT INTO trail_heads (zone_code, seq, hash) VALUES ($1, $2, $3) ON CONFLICT (zone_code) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            )
            .bind($zone)
            .bind(*seq)
            .bind(hash)
            .execute(&mut *$tx)
            .await?;
        }
    }};
}
pub(crate) use append_event;
pub(crate) use write_head;

#[cfg(test)]
mod tests {
    use super::*;

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

/// Reading and verifying the trail.
#[async_trait::async_trait]
pub trait TrailStore: Send + Sync {
    /// Appends one event on its own (a login, a failed login).
    async fn record(&self, ev: TrailEvent) -> crate::Result<TrailEvent>;
    /// Every event of a zone, in order.
    async fn trail(&self, zone: &str) -> crate::Result<Vec<TrailEvent>>;
    /// The events of one entity, in order.
    async fn trail_for(&self, zone: &str, entity: &str, entity_id: &str) -> crate::Result<Vec<TrailEvent>>;
    /// Checks the chain and every stored row against its last recorded state.
    async fn verify(&self, zone: &str) -> crate::Result<Verification>;
    /// The zones that have events.
    async fn trail_zones(&self) -> crate::Result<Vec<String>>;
    /// `entity/id` of every entry the task force ever returned (one query).
    async fn returned_entries(&self, zone: &str) -> crate::Result<Vec<String>>;
    /// The sequence number of the zone's last event: every write moves it.
    async fn trail_head(&self, zone: &str) -> crate::Result<i64>;
}

const TRAIL_COLS: &str = "zone_code, seq, at, actor, action, entity, entity_id, before_state, after_state, reason, prev_hash, hash";

type TrailRow = (String, i64, String, String, String, String, String, String, String, String, String, String);

fn from_row(r: TrailRow) -> TrailEvent {
    let (zone, seq, at, actor, action, entity, entity_id, before, after, reason, prev_hash, hash) = r;
    TrailEvent { zone, seq, at, actor, action, entity, entity_id, before, after, reason, prev_hash, hash }
}

macro_rules! trail_impl {
    ($store:ident) => {
        #[async_trait::async_trait]
        impl TrailStore for $store {
            async fn record(&self, ev: TrailEvent) -> crate::Result<TrailEvent> {
                let mut tx = begin_write!(self.pool, &ev.zone);
                let ev = append_event!(tx, ev);
                tx.commit().await?;
                Ok(ev)
            }

            async fn trail(&self, zone: &str) -> crate::Result<Vec<TrailEvent>> {
                let rows: Vec<TrailRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {TRAIL_COLS} FROM trail WHERE zone_code = $1 ORDER BY seq")))
                    .bind(zone)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(from_row).collect())
            }

            async fn trail_for(&self, zone: &str, entity: &str, entity_id: &str) -> crate::Result<Vec<TrailEvent>> {
                let rows: Vec<TrailRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {TRAIL_COLS} FROM trail WHERE zone_code = $1 AND entity = $2 AND entity_id = $3 ORDER BY seq"
                )))
                .bind(zone)
                .bind(entity)
                .bind(entity_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(from_row).collect())
            }

            async fn verify(&self, zone: &str) -> crate::Result<Verification> {
                use crate::accounts::AccountStore;
                use crate::entries::EntryStore;
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
                    broken = Some(ecociv_core::trail::Broken { seq, entity: "trail".into(), entity_id: zone.into(), problem });
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
                if let Some(plan) = crate::PlanStore::plan(self, zone).await? {
                    let stored = crate::plan_fingerprint(&plan);
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
                use crate::controls::ControlStore;
                let settings: Vec<(String, String)> = self.zone_settings(zone).await?.iter().map(|x| (x.zone.clone(), x.state_json())).collect();
                tampered.extend(compare_states(&events, "zone_settings", &settings));
                let periods: Vec<(String, String)> = self.periods(zone).await?.iter().map(|x| (x.period.clone(), x.state_json())).collect();
                tampered.extend(compare_states(&events, "period", &periods));
                use crate::controls::ScoringStore;
                let rules: Vec<(String, String)> = self.scoring_rules(zone).await?.iter().map(|x| (x.version.to_string(), x.state_json())).collect();
                tampered.extend(compare_states(&events, "scoring_rules", &rules));
                let assessments: Vec<(String, String)> = self.assessments(zone).await?.iter().map(|x| (x.id.to_string(), x.state_json())).collect();
                tampered.extend(compare_states(&events, "assessment", &assessments));
                use crate::controls::VetoStore;
                let vetoes: Vec<(String, String)> = self.vetoes(zone).await?.iter().map(|x| (x.id.to_string(), x.state_json())).collect();
                tampered.extend(compare_states(&events, "veto", &vetoes));
                let evidence = self.all_evidence(zone).await?;
                let rows: Vec<(String, String)> = evidence.iter().map(|x| (x.id.to_string(), x.state_json())).collect();
                tampered.extend(compare_states(&events, "evidence", &rows));
                // the stored files themselves: their content must still have their hash
                for e in &evidence {
                    match self.blob(&e.hash).await? {
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

            async fn returned_entries(&self, zone: &str) -> crate::Result<Vec<String>> {
                let rows: Vec<(String, String)> = sqlx::query_as("SELECT entity, entity_id FROM trail WHERE zone_code = $1 AND action LIKE $2")
                    .bind(zone)
                    .bind("%.returned")
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(|(e, i)| format!("{e}/{i}")).collect())
            }

            async fn trail_head(&self, zone: &str) -> crate::Result<i64> {
                let row: Option<(i64,)> = sqlx::query_as("SELECT seq FROM trail_heads WHERE zone_code = $1").bind(zone).fetch_optional(&self.pool).await?;
                Ok(row.map(|r| r.0).unwrap_or(0))
            }

            async fn trail_zones(&self) -> crate::Result<Vec<String>> {
                let rows: Vec<(String,)> = sqlx::query_as("SELECT DISTINCT zone_code FROM trail ORDER BY zone_code").fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(|r| r.0).collect())
            }
        }
    };
}

use crate::{PgStore, SqliteStore};
trail_impl!(SqliteStore);
trail_impl!(PgStore);
