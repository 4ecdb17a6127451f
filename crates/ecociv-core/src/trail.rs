//! The audit trail: every write as an event (who, when, what before, what after, why),
//! append-only and hash-chained per zone with SM3 (GB/T 32905). Each event's hash covers its
//! fields and the previous event's hash, so changing, removing or reordering any event breaks
//! the chain at that point. The store keeps the events; this module computes and verifies.

use serde::{Deserialize, Serialize};
use sm3::{Digest, Sm3};
use utoipa::ToSchema;

/// The hash that starts every zone's chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One recorded write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TrailEvent {
    pub zone: String,
    /// 1, 2, 3, … per zone.
    pub seq: i64,
    /// RFC 3339 time of the write.
    pub at: String,
    pub actor: String,
    /// What happened: `observation.submitted`, `observation.approved`, `user.login_failed`, …
    pub action: String,
    /// The kind of thing written: `observation`, `dispatch_report`, `user`, `plan`, …
    pub entity: String,
    pub entity_id: String,
    /// The canonical JSON of the thing before the write (empty when it is new).
    pub before: String,
    /// The canonical JSON after the write (empty when it is gone).
    pub after: String,
    pub reason: String,
    pub prev_hash: String,
    pub hash: String,
}

impl TrailEvent {
    /// The SM3 hash of the event's fields and the previous hash, as lowercase hex.
    pub fn compute_hash(&self) -> String {
        let mut h = Sm3::new();
        for field in [
            self.prev_hash.as_str(),
            &self.zone,
            &self.seq.to_string(),
            &self.at,
            &self.actor,
            &self.action,
            &self.entity,
            &self.entity_id,
            &self.before,
            &self.after,
            &self.reason,
        ] {
            // length-prefixed, so that no two different events give the same bytes
            h.update((field.len() as u64).to_be_bytes());
            h.update(field.as_bytes());
        }
        hex::encode(h.finalize())
    }

    /// Fills `seq`, `prev_hash` and `hash` to follow `previous` (or start the chain).
    pub fn chain_after(mut self, previous: Option<&TrailEvent>) -> TrailEvent {
        self.seq = previous.map(|p| p.seq + 1).unwrap_or(1);
        self.prev_hash = previous.map(|p| p.hash.clone()).unwrap_or_else(|| GENESIS.to_string());
        self.hash = self.compute_hash();
        self
    }
}

/// Where a chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Broken {
    /// The first event that does not verify.
    pub seq: i64,
    pub entity: String,
    pub entity_id: String,
    pub problem: String,
}

/// Checks a zone's events in order: sequence without gaps, each linked to the one before,
/// each hash matching its content.
pub fn verify_chain(events: &[TrailEvent]) -> Result<(), Broken> {
    let mut prev: Option<&TrailEvent> = None;
    for e in events {
        let broken = |problem: String| Broken { seq: e.seq, entity: e.entity.clone(), entity_id: e.entity_id.clone(), problem };
        let expected_seq = prev.map(|p| p.seq + 1).unwrap_or(1);
        if e.seq != expected_seq {
            return Err(broken(format!("sequence jumps from {} to {}", expected_seq - 1, e.seq)));
        }
        let expected_prev = prev.map(|p| p.hash.as_str()).unwrap_or(GENESIS);
        if e.prev_hash != expected_prev {
            return Err(broken("does not link to the event before it".into()));
        }
        if e.compute_hash() != e.hash {
            return Err(broken("its content does not match its hash".into()));
        }
        prev = Some(e);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(action: &str, after: &str) -> TrailEvent {
        TrailEvent {
            zone: "150100".into(),
            seq: 0,
            at: "2024-06-01T08:00:00Z".into(),
            actor: "alice".into(),
            action: action.into(),
            entity: "observation".into(),
            entity_id: "1".into(),
            before: String::new(),
            after: after.into(),
            reason: String::new(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    #[test]
    fn sm3_is_the_standard() {
        // GB/T 32905 example 1: SM3("abc")
        assert_eq!(hex::encode(Sm3::digest(b"abc")), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    }

    #[test]
    fn a_chain_verifies_and_any_change_breaks_it() {
        let a = ev("observation.submitted", "{\"value\":\"1\"}").chain_after(None);
        let b = ev("observation.approved", "{\"value\":\"1\",\"state\":\"approved\"}").chain_after(Some(&a));
        let c = ev("observation.unlocked", "{}").chain_after(Some(&b));
        assert_eq!(a.prev_hash, GENESIS);
        assert_eq!(verify_chain(&[a.clone(), b.clone(), c.clone()]), Ok(()));
        let mut tampered = b.clone();
        tampered.after = "{\"value\":\"2\",\"state\":\"approved\"}".into();
        assert_eq!(verify_chain(&[a.clone(), tampered, c.clone()]).unwrap_err().seq, 2);
        assert_eq!(verify_chain(&[a.clone(), c.clone()]).unwrap_err().seq, 3);
        let mut rehashed = b.clone();
        rehashed.after = "{}".into();
        rehashed.hash = rehashed.compute_hash();
        assert_eq!(verify_chain(&[a, rehashed, c]).unwrap_err().seq, 3, "re-hashing one event breaks the next link");
    }
}
