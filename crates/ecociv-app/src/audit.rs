//! Verifying the audit trail of every zone: the SM3 chain, every stored record against its last
//! recorded state (see `ecociv_store::verify`), and what is kept outside the database — the
//! signed heads (`crate::signing`: each must verify with the trail key and its event must still
//! be in the trail as signed, so that a trail chained again, cut or erased is found) and the
//! anchors, heads `ZONE=SEQ:HASH` printed by an earlier run, whose event must still be there.

pub use ecociv_store::{Tampered, Verification};

use ecociv_core::record::HeadSignature;
use ecociv_core::trail::{Broken, TrailEvent};

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
    /// The last signed head found in the trail as signed (seq, when signed).
    pub signed: Option<(i64, String)>,
    /// The chain and the stored records checked.
    pub verification: Verification,
}

impl ZoneAudit {
    /// Nothing broken, touched or missing.
    pub fn ok(&self) -> bool {
        self.missing.is_empty() && self.verification.ok()
    }
}

/// How the heads' signatures are checked: the public half of the trail key, and the
/// signatures of the log beside the key (see `crate::signing`).
#[derive(Debug, Clone, Default)]
pub struct Signed {
    pub public_key: String,
    pub logged: Vec<HeadSignature>,
}

/// Checks a zone's signed heads against its events: every signature must verify with the key,
/// and the event it signed must be in the trail with the hash it signed; with events and no
/// signature, the trail was never signed or its signatures were removed. Returns the last
/// signed head found (seq, when signed).
fn check_signatures(zone: &str, events: &[TrailEvent], mut sigs: Vec<HeadSignature>, key: &str, v: &mut Verification) -> Option<(i64, String)> {
    sigs.sort_by(|a, b| (a.seq, &a.signature).cmp(&(b.seq, &b.signature)));
    sigs.dedup();
    let (mut last, mut any) = (None, false);
    for s in sigs {
        if !crate::signing::verifies(key, &s) {
            v.tampered.push(Tampered {
                entity: "trail_signature".into(),
                entity_id: s.seq.to_string(),
                problem: "a signature of the head that does not verify with the trail key: forged or altered".into(),
            });
            continue;
        }
        any = true;
        match events.iter().find(|e| e.seq == s.seq) {
            Some(e) if e.hash == s.hash => last = Some((s.seq, s.signed_at.clone())),
            found => {
                let what = if found.is_some() {
                    "has another hash than the one signed: the trail was rewritten"
                } else {
                    "is not in the trail: the trail was cut or erased"
                };
                if v.broken.is_none() {
                    v.broken = Some(Broken {
                        seq: s.seq,
                        entity: "trail".into(),
                        entity_id: zone.into(),
                        problem: format!("event {} signed at {} {what}", s.seq, s.signed_at),
                    });
                }
            }
        }
    }
    if !any && !events.is_empty() {
        v.tampered.push(Tampered {
            entity: "trail".into(),
            entity_id: zone.into(),
            problem: "no signature of its head verifies: the trail was never signed, or its signatures were removed".into(),
        });
    }
    last
}

/// Verifies every zone there is — every zone of the store, every zone with a trail, and every
/// zone an anchor names — in code order, each against its anchors. A zone whose trail was
/// erased is verified too: its records without the events that made them, its head without
/// its events and its anchors no longer in the trail are each found.
/// With `signed`, the heads' signatures too (see [`check_signatures`]).
pub async fn verify(st: &App, anchors: &[Anchor], signed: Option<&Signed>) -> Result<Vec<ZoneAudit>> {
    let mut zones: std::collections::BTreeSet<String> = st.store.trail_zones().await?.into_iter().collect();
    zones.extend(st.store.zones().await?.into_iter().map(|z| z.code));
    zones.extend(anchors.iter().map(|a| a.zone.clone()));
    let mut out = Vec::new();
    for zone in zones {
        let mut verification = st.store.verify(&zone).await?;
        let events = st.store.trail(&zone).await?;
        let missing = anchors.iter().filter(|a| a.zone == zone && !events.iter().any(|e| e.seq == a.seq && e.hash == a.hash)).cloned().collect();
        let head = events.last().map(|e| (e.seq, e.hash.clone()));
        let signed = match signed {
            Some(k) => {
                let mut sigs = st.store.head_signatures(&zone).await?;
                sigs.extend(k.logged.iter().filter(|s| s.zone == zone).cloned());
                check_signatures(&zone, &events, sigs, &k.public_key, &mut verification)
            }
            None => None,
        };
        out.push(ZoneAudit { zone, head, missing, signed, verification });
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
        assert!(verify(&app, &[], None).await.unwrap().is_empty(), "no trail yet");
        crate::zones::load_plan(app.store.as_ref(), &crate::zones::embedded_plan().unwrap(), "test").await.unwrap();
        let found = verify(&app, &[], None).await.unwrap();
        assert_eq!(found.len(), 1);
        let (seq, hash) = found[0].head.clone().unwrap();
        assert!(found[0].ok() && found[0].verification.events == 1);
        let kept = Anchor { zone: found[0].zone.clone(), seq, hash };
        let lost = Anchor { seq: 2, ..kept.clone() };
        let other = Anchor { zone: "SYN0001".into(), ..lost.clone() };
        let found = verify(&app, &[kept, lost.clone(), other], None).await.unwrap();
        assert_eq!(found[0].missing, [lost]);
        assert!(!found[0].ok());
        db.cleanup().await;
    }
}
