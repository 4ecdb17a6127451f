//! Verifying the audit trail of every zone: the SM3 chain, every stored record against its last
//! recorded state (see `ecociv_store::verify`), and the anchors kept outside the database — a
//! head `ZONE=SEQ:HASH` printed by an earlier run, whose event must still be in the trail, so
//! that no event was cut off the end since.

pub use ecociv_store::{Tampered, Verification};

use crate::App;
use crate::error::{AppError, Result};

/// An event expected in a zone's trail: a head printed by an earlier run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub zone: String,
    pub seq: i64,
    pub hash: String,
}

impl Anchor {
    /// `ZONE=SEQ:HASH`; anything else is refused (`bad_anchor`).
    pub fn parse(s: &str) -> Result<Anchor> {
        let bad = || AppError::bad_request("bad_anchor").field("expect", s);
        let (zone, rest) = s.split_once('=').ok_or_else(bad)?;
        let (seq, hash) = rest.split_once(':').ok_or_else(bad)?;
        let seq = seq.parse().map_err(|_| bad())?;
        if zone.is_empty() || hash.is_empty() {
            return Err(bad());
        }
        Ok(Anchor { zone: zone.into(), seq, hash: hash.into() })
    }
}

/// What verifying one zone found.
#[derive(Debug, Clone)]
pub struct ZoneAudit {
    pub zone: String,
    /// The last event: its sequence number and hash, to keep outside the database.
    pub head: Option<(i64, String)>,
    /// The anchors of this zone whose event is not in the trail any more.
    pub missing: Vec<Anchor>,
    /// The chain and the stored records checked.
    pub verification: Verification,
}

impl ZoneAudit {
    /// Nothing broken, touched or missing.
    pub fn ok(&self) -> bool {
        self.missing.is_empty() && self.verification.ok()
    }
}

/// Verifies every zone there is — every zone of the store, every zone with a trail, and every
/// zone an anchor names — in code order, each against its anchors. A zone whose trail was
/// erased is verified too: its records without the events that made them, its head without
/// its events and its anchors no longer in the trail are each found.
pub async fn verify(st: &App, anchors: &[Anchor]) -> Result<Vec<ZoneAudit>> {
    let mut zones: std::collections::BTreeSet<String> = st.store.trail_zones().await?.into_iter().collect();
    zones.extend(st.store.zones().await?.into_iter().map(|z| z.code));
    zones.extend(anchors.iter().map(|a| a.zone.clone()));
    let mut out = Vec::new();
    for zone in zones {
        let verification = st.store.verify(&zone).await?;
        let events = st.store.trail(&zone).await?;
        let missing = anchors.iter().filter(|a| a.zone == zone && !events.iter().any(|e| e.seq == a.seq && e.hash == a.hash)).cloned().collect();
        let head = events.last().map(|e| (e.seq, e.hash.clone()));
        out.push(ZoneAudit { zone, head, missing, verification });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecociv_store::testdb::TestDb;

    #[test]
    fn an_anchor_is_zone_seq_and_hash() {
        assert_eq!(Anchor::parse("150100=57:ab12").unwrap(), Anchor { zone: "150100".into(), seq: 57, hash: "ab12".into() });
        for bad in ["57:ab12", "150100=ab12", "150100=x:ab12", "=57:ab12", "150100=57:"] {
            assert_eq!(Anchor::parse(bad).unwrap_err().code, "bad_anchor", "{bad}");
        }
    }

    #[tokio::test]
    async fn every_zone_is_verified_against_its_anchors() {
        let db = TestDb::sqlite().await;
        let app = crate::zones::open_as_is(&db.url, None).await.unwrap();
        assert!(verify(&app, &[]).await.unwrap().is_empty(), "no trail yet");
        crate::zones::load_plan(app.store.as_ref(), &crate::zones::embedded_plan().unwrap(), "test").await.unwrap();
        let found = verify(&app, &[]).await.unwrap();
        assert_eq!(found.len(), 1);
        let (seq, hash) = found[0].head.clone().unwrap();
        assert!(found[0].ok() && found[0].verification.events == 1);
        let kept = Anchor { zone: found[0].zone.clone(), seq, hash };
        let lost = Anchor { seq: 2, ..kept.clone() };
        let other = Anchor { zone: "SYN0001".into(), ..lost.clone() };
        let found = verify(&app, &[kept, lost.clone(), other]).await.unwrap();
        assert_eq!(found[0].missing, [lost]);
        assert!(!found[0].ok());
        db.cleanup().await;
    }
}
