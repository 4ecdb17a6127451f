//! Accounts: passwords (Argon2id, off the async threads), the random secrets of sessions and
//! tokens and the SM3 fingerprints under which the store keeps them, sign-in with lock-out after
//! repeated failures (every attempt on the audit trail), and sessions that end when idle.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Argon2, PasswordHash};
use chrono::{DateTime, Duration, Utc};
use ecociv_core::access::Actor;
use ecociv_core::record::{SessionRecord, UserRecord};
use sm3::Digest;

use crate::App;
use crate::error::AppError;

/// Failed logins in a row that lock an account.
pub const MAX_FAILURES: i64 = 5;
/// How long a lock-out lasts.
pub const LOCK_MINUTES: i64 = 15;

/// Hashes a password with Argon2id (off the async threads).
pub async fn hash_password(pw: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || Argon2::default().hash_password(pw.as_bytes()).map(|h| h.to_string()))
        .await
        .map_err(|_| AppError::new(crate::Kind::Internal, "internal"))?
        .map_err(|_| AppError::new(crate::Kind::Internal, "internal"))
}

/// Checks a password against its stored Argon2 hash.
pub async fn verify_password(pw: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || PasswordHash::new(&hash).is_ok_and(|h| Argon2::default().verify_password(pw.as_bytes(), &h).is_ok()))
        .await
        .unwrap_or(false)
}

/// 32 random bytes as hex.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the OS gives random bytes");
    hex::encode(b)
}

/// The SM3 hash (hex) under which a session id or token is stored.
pub fn fingerprint(secret: &str) -> String {
    hex::encode(sm3::Sm3::digest(secret.as_bytes()))
}

/// The actor of a user account.
pub fn actor_of(u: &UserRecord) -> Actor {
    Actor { name: u.name.clone(), zone: u.zone.clone(), org_unit: u.org_unit.clone(), role: u.role }
}

/// The outcome of a login attempt.
pub enum Login {
    Ok(UserRecord),
    Wrong,
    Locked(String),
}

/// Checks a name and password, counting failures, locking after [`MAX_FAILURES`], and
/// recording every attempt in the audit trail.
pub async fn login(st: &App, name: &str, password: &str) -> Result<Login, AppError> {
    let Some(u) = st.store.user(name).await? else {
        // spend the same time as a real check, and record the attempt in the default zone
        let _ = verify_password(password.to_string(), "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$hash".into()).await;
        let detail = format!("{{\"name\":{name:?}}}");
        st.store.record(ecociv_store::trail::event(&st.default_zone, name, "user.login_unknown", "login", name, "", &detail, "")).await?;
        return Ok(Login::Wrong);
    };
    let now = Utc::now();
    if let Some(until) = parse_time(&u.locked_until).filter(|t| *t > now) {
        st.store.record(ecociv_store::trail::event(&u.zone, name, "user.login_locked", "login", name, "", "", "")).await?;
        return Ok(Login::Locked(until.to_rfc3339()));
    }
    if verify_password(password.to_string(), u.password_hash.clone()).await {
        let after = UserRecord { failed_logins: 0, locked_until: String::new(), ..u.clone() };
        st.store.update_user(&u, &after, "user.login", name, "").await?;
        return Ok(Login::Ok(after));
    }
    let failed = u.failed_logins + 1;
    let locked_until = if failed >= MAX_FAILURES { (now + Duration::minutes(LOCK_MINUTES)).to_rfc3339() } else { String::new() };
    let after = UserRecord { failed_logins: if failed >= MAX_FAILURES { 0 } else { failed }, locked_until: locked_until.clone(), ..u.clone() };
    st.store.update_user(&u, &after, "user.login_failed", name, "").await?;
    Ok(if locked_until.is_empty() { Login::Wrong } else { Login::Locked(locked_until) })
}

/// Starts a new session (a fresh id at every login); returns the cookie value.
pub async fn start_session(st: &App, user: &UserRecord) -> Result<String, AppError> {
    let id = random_token();
    let now = ecociv_store::trail::now();
    st.store
        .create_session(&ecociv_core::record::SessionRecord {
            id_hash: fingerprint(&id),
            user: user.name.clone(),
            csrf: random_token(),
            created_at: now.clone(),
            last_seen: now,
        })
        .await?;
    Ok(id)
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

/// How often a session's last-seen time is written: reading a page writes nothing more often.
pub const SESSION_TOUCH_SECONDS: i64 = 60;

/// The user and session of a session id, or `None` when it is unknown or has been idle longer
/// than [`App::idle_minutes`] (then it is deleted). The last-seen time is written at most once
/// a minute, so that reading pages does not write to the database on every request.
pub async fn session_user(st: &App, id: &str) -> Result<Option<(UserRecord, SessionRecord)>, AppError> {
    let id_hash = fingerprint(id);
    let Some(s) = st.store.session(&id_hash).await? else { return Ok(None) };
    let now = Utc::now();
    let last = parse_time(&s.last_seen);
    if last.is_none_or(|t| now - t > Duration::minutes(st.idle_minutes)) {
        st.store.delete_session(&id_hash).await?;
        return Ok(None);
    }
    let Some(u) = st.store.user(&s.user).await? else { return Ok(None) };
    if last.is_some_and(|t| now - t >= Duration::seconds(SESSION_TOUCH_SECONDS)) {
        st.store.touch_session(&id_hash, &ecociv_store::trail::now()).await?;
    }
    Ok(Some((u, s)))
}

/// The user of an API token, or `None`.
pub async fn token_user(st: &App, token: &str) -> Result<Option<UserRecord>, AppError> {
    let Some(t) = st.store.token(&fingerprint(token)).await? else { return Ok(None) };
    Ok(st.store.user(&t.user).await?)
}
