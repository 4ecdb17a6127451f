//! The heads of the audit trail signed with a key the database does not hold (SM2, the national
//! standard GB/T 32918), so that whoever can write to the database cannot rewrite a recorded
//! value and chain the trail again, cut its end or erase it without `audit verify` finding it.
//!
//! The key is a file beside the data folder (`ecociv-data.trail-key` by default), made at the
//! first start with only its owner allowed to read it; `ecociv audit key` prints its public
//! half. The server signs every zone's head at start and every minute, and the commands that
//! write sign when they are done ([`sign_heads`]). Each signature is kept in the database and
//! appended to a log beside the key (`….heads`), so that signatures removed from the database
//! are still known. What a signature says: event `seq` of the zone had `hash` at `signed_at`.

use std::io::Write;
use std::path::{Path, PathBuf};

use ecociv_core::record::HeadSignature;
use sm2::dsa::signature::{Signer, Verifier};
use sm2::dsa::{Signature, SigningKey, VerifyingKey};

use crate::App;
use crate::error::{AppError, Kind, Result};

/// The identifier SM2 binds into every signature (its "distinguishing identifier").
const DIST_ID: &str = "ecociv-trail";

/// The first line of a key file.
const KEY_HEADER: &str = "# ecociv trail key (SM2 secret key, hex). Keep it out of the database and its backups.";

/// The key that signs the trail's heads.
pub struct TrailKey {
    signing: SigningKey,
    public_key: String,
    path: PathBuf,
}

fn key_error(path: &Path, what: impl std::fmt::Display) -> AppError {
    AppError { detail: Some(format!("{}: {what}", path.display())), ..AppError::new(Kind::Internal, "trail_key") }
}

impl TrailKey {
    /// The key in `path`, made (with owner-only permissions) when there is none.
    pub fn open_or_create(path: &Path) -> Result<TrailKey> {
        if !path.exists() {
            let mut secret = [0u8; 32];
            let key = loop {
                getrandom::fill(&mut secret).map_err(|e| key_error(path, e))?;
                if let Ok(k) = sm2::SecretKey::from_slice(&secret) {
                    break k;
                }
            };
            let mut f = std::fs::OpenOptions::new();
            f.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut f, 0o600);
            let mut file = f.open(path).map_err(|e| key_error(path, e))?;
            writeln!(file, "{KEY_HEADER}\n{}", hex::encode(key.to_bytes())).map_err(|e| key_error(path, e))?;
        }
        Self::open(path)
    }

    /// The key in `path`.
    pub fn open(path: &Path) -> Result<TrailKey> {
        let text = std::fs::read_to_string(path).map_err(|e| key_error(path, e))?;
        let hex_secret = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')).ok_or_else(|| key_error(path, "no key in the file"))?;
        let bytes = hex::decode(hex_secret).map_err(|e| key_error(path, e))?;
        let secret = sm2::SecretKey::from_slice(&bytes).map_err(|e| key_error(path, e))?;
        let signing = SigningKey::new(DIST_ID, &secret).map_err(|e| key_error(path, e))?;
        let public_key = hex::encode(signing.verifying_key().to_sec1_bytes());
        Ok(TrailKey { signing, public_key, path: path.to_path_buf() })
    }

    /// The public half (hex of its SEC1 encoding): what checks the signatures.
    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    /// Signs that event `seq` of `zone` has `hash`, now.
    pub fn sign(&self, zone: &str, seq: i64, hash: &str) -> HeadSignature {
        let signed_at = ecociv_store::trail::now();
        let sig: Signature = self.signing.sign(message(zone, seq, hash, &signed_at).as_bytes());
        HeadSignature { zone: zone.into(), seq, hash: hash.into(), signed_at, public_key: self.public_key.clone(), signature: hex::encode(sig.to_bytes()) }
    }

    /// The log beside the key, where every signature is appended too.
    pub fn log_path(&self) -> PathBuf {
        log_path(&self.path)
    }
}

/// The key that signs the heads of the database of `st`: the one in `path`, made when there is
/// none — unless the database's heads were signed before by another key, whose file is then
/// missing or another (`trail_key_missing`, `trail_key_other`): a new key would make every
/// earlier signature look forged, so the key file must be put back first.
pub async fn key_for(st: &App, path: &Path) -> Result<TrailKey> {
    let known = st.store.signing_keys().await?;
    if !path.exists() && !known.is_empty() {
        return Err(AppError::new(Kind::BadRequest, "trail_key_missing").field("file", &path.display().to_string()).field("public_key", &known.join(", ")));
    }
    let key = TrailKey::open_or_create(path)?;
    if !known.is_empty() && !known.iter().any(|k| k == key.public_key()) {
        return Err(AppError::new(Kind::BadRequest, "trail_key_other").field("file", &path.display().to_string()).field("public_key", &known.join(", ")));
    }
    Ok(key)
}

/// The log of signatures beside a key file.
pub fn log_path(key: &Path) -> PathBuf {
    crate::zones::beside(key, ".heads")
}

/// What is signed.
fn message(zone: &str, seq: i64, hash: &str, signed_at: &str) -> String {
    format!("ecociv trail head\nzone {zone}\nseq {seq}\nhash {hash}\nsigned_at {signed_at}\n")
}

/// Whether a signature was made by the key whose public half is `public_key` over what it says.
pub fn verifies(public_key: &str, s: &HeadSignature) -> bool {
    let Ok(key_bytes) = hex::decode(public_key) else { return false };
    let Ok(key) = VerifyingKey::from_sec1_bytes(DIST_ID, &key_bytes) else { return false };
    let Some(sig) = hex::decode(&s.signature).ok().and_then(|b| Signature::try_from(b.as_slice()).ok()) else { return false };
    s.public_key == public_key && key.verify(message(&s.zone, s.seq, &s.hash, &s.signed_at).as_bytes(), &sig).is_ok()
}

/// Signs every zone's head that no signature covers yet, in the database and in the log;
/// returns how many.
pub async fn sign_heads(st: &App, key: &TrailKey) -> Result<usize> {
    let heads = st.store.unsigned_heads().await?;
    if heads.is_empty() {
        return Ok(0);
    }
    let log = key.log_path();
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&log).map_err(|e| key_error(&log, e))?;
    for (zone, seq, hash) in &heads {
        let s = key.sign(zone, *seq, hash);
        writeln!(file, "{}\t{}\t{}\t{}\t{}\t{}", s.zone, s.seq, s.hash, s.signed_at, s.public_key, s.signature).map_err(|e| key_error(&log, e))?;
        st.store.add_head_signature(&s).await?;
    }
    file.sync_data().map_err(|e| key_error(&log, e))?;
    Ok(heads.len())
}

/// The signatures in the log beside a key file (none when there is no log); lines that cannot
/// be read are returned as signatures that verify with nothing, so that they are reported.
pub fn logged(key: &Path) -> Vec<HeadSignature> {
    let Ok(text) = std::fs::read_to_string(log_path(key)) else { return Vec::new() };
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            HeadSignature {
                zone: f.first().unwrap_or(&"").to_string(),
                seq: f.get(1).and_then(|s| s.parse().ok()).unwrap_or(-1),
                hash: f.get(2).unwrap_or(&"").to_string(),
                signed_at: f.get(3).unwrap_or(&"").to_string(),
                public_key: f.get(4).unwrap_or(&"").to_string(),
                signature: f.get(5).unwrap_or(&"").to_string(),
            }
        })
        .collect()
}

/// Signs the heads now and then every minute, for as long as the server runs, in one instance
/// at a time (the one that holds the lease `trail_signing`); a failure is logged and tried
/// again at the next minute.
pub async fn every_minute(st: App, key: TrailKey) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tick.tick().await;
        match st.lease("trail_signing", 90).await {
            Ok(true) => {}
            Ok(false) => continue,
            Err(e) => {
                tracing::error!("the lease of the trail's signing: {} {:?}", e.code, e.detail);
                continue;
            }
        }
        if let Err(e) = sign_heads(&st, &key).await {
            tracing::error!("signing the trail's heads: {} {:?}", e.code, e.detail);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_for_what_it_says_and_its_key() {
        let dir = std::env::temp_dir().join(format!("ecociv_key_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("k");
        let _ = std::fs::remove_file(&path);
        let key = TrailKey::open_or_create(&path).unwrap();
        #[cfg(unix)]
        assert_eq!(std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&path).unwrap().permissions()) & 0o777, 0o600);
        assert_eq!(TrailKey::open_or_create(&path).unwrap().public_key(), key.public_key(), "made once, then read");
        let s = key.sign("150100", 7, "ab");
        assert!(verifies(key.public_key(), &s));
        for forged in [
            HeadSignature { seq: 8, ..s.clone() },
            HeadSignature { hash: "ac".into(), ..s.clone() },
            HeadSignature { zone: "150200".into(), ..s.clone() },
            HeadSignature { signed_at: "2030-01-01T00:00:00Z".into(), ..s.clone() },
            HeadSignature { signature: "00".into(), ..s.clone() },
        ] {
            assert!(!verifies(key.public_key(), &forged), "{forged:?}");
        }
        let other = TrailKey::open_or_create(&dir.join("other")).unwrap();
        assert!(!verifies(other.public_key(), &s), "another key");
        std::fs::write(dir.join("bad"), "# header only\n").unwrap();
        assert_eq!(TrailKey::open(&dir.join("bad")).err().unwrap().code, "trail_key");
        let _ = std::fs::remove_dir_all(dir);
    }
}
