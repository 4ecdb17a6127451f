//! Accounts: passwords (Argon2id, off the async threads), the random secrets of sessions and
//! tokens and the SM3 fingerprints under which the store keeps them, sign-in with lock-out after
//! repeated failures (every attempt on the audit trail), and sessions that end when idle; users
//! made (with the checks of name, org unit and password) and listed, passwords set (ending the
//! user's sessions), and API tokens made and revoked.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Argon2, PasswordHash};
use chrono::{DateTime, Duration, Utc};
use ecociv_core::access::{Actor, Role};
use ecociv_core::model::OrgKind;
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
    Actor { name: u.name.clone(), zone: u.zone.clone(), org_unit: u.org_unit.clone(), role: u.role, parent: None }
}

/// The outcome of a login attempt.
pub enum Login {
    Ok(UserRecord),
    Wrong,
    Locked(String),
    /// The account was disabled by an administrator or the task force.
    Disabled,
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
    let now = st.now();
    let locked = move |u: &UserRecord| locked_at(u, now);
    if let Some(until) = locked(&u) {
        st.store.record(ecociv_store::trail::event(&u.zone, name, "user.login_locked", "login", name, "", "", "")).await?;
        return Ok(Login::Locked(until.to_rfc3339()));
    }
    let right = verify_password(password.to_string(), u.password_hash.clone()).await;
    // counted on the user as stored when the attempt is recorded, so that attempts at the same
    // moment each count, and a lock set meanwhile holds for the right password too
    let change = move |u: &UserRecord| -> (UserRecord, &'static str) {
        if locked(u).is_some() {
            return (u.clone(), "user.login_locked");
        }
        if right {
            return (UserRecord { failed_logins: 0, locked_until: String::new(), ..u.clone() }, "user.login");
        }
        // the failure that reaches the limit locks (its recorded state says until when)
        let failed = u.failed_logins + 1;
        let after = if failed >= MAX_FAILURES {
            UserRecord { failed_logins: 0, locked_until: (now + Duration::minutes(LOCK_MINUTES)).to_rfc3339(), ..u.clone() }
        } else {
            UserRecord { failed_logins: failed, ..u.clone() }
        };
        (after, "user.login_failed")
    };
    let Some((_, after)) = st.store.change_user(name, name, &change).await? else { return Ok(Login::Wrong) };
    Ok(match locked(&after) {
        Some(until) => Login::Locked(until.to_rfc3339()),
        // said only to whoever knows the password
        None if right && after.disabled => Login::Disabled,
        None if right => Login::Ok(after),
        None => Login::Wrong,
    })
}

/// Starts a new session (a fresh id at every login); returns the cookie value.
pub async fn start_session(st: &App, user: &UserRecord) -> Result<String, AppError> {
    let id = random_token();
    let now = st.stamp();
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

/// Until when a user is locked out at `now`, or `None` when not.
pub fn locked_at(u: &UserRecord, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    parse_time(&u.locked_until).filter(|t| *t > now)
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
    let c = &st.changes;
    let found = c.known(&*st.store, &c.sessions, &id_hash, || st.store.session_user(&id_hash)).await?;
    let Some((u, s)) = found.filter(|(u, _)| !u.disabled) else { return Ok(None) };
    let now = st.now();
    let last = parse_time(&s.last_seen);
    if last.is_none_or(|t| now - t > Duration::minutes(st.idle_minutes)) {
        st.store.delete_session(&id_hash).await?;
        return Ok(None);
    }
    if last.is_some_and(|t| now - t >= Duration::seconds(SESSION_TOUCH_SECONDS)) {
        // a write: the kept session is stale from here
        st.store.touch_session(&id_hash, &st.stamp()).await?;
    }
    Ok(Some((u, s)))
}

/// The user of an API token, or `None` — also while the user is locked out or disabled.
pub async fn token_user(st: &App, token: &str) -> Result<Option<UserRecord>, AppError> {
    let hash = fingerprint(token);
    let c = &st.changes;
    let user = c.known(&*st.store, &c.tokens, &hash, || st.store.token_user(&hash)).await?;
    Ok(user.filter(|u| !u.disabled && locked_at(u, st.now()).is_none()))
}

/// How hard a password must be to guess, on zxcvbn's scale of 0 to 4: 3 is "safely
/// unguessable" (about 10^8 guesses or more), what it advises for online attacks.
pub const MIN_GUESS_SCORE: zxcvbn::Score = zxcvbn::Score::Three;

/// A password strong enough, hashed: the character rules of
/// `ecociv_core::entry::check_password_strength`, and not guessable — no common password, name,
/// keyboard walk, date or repetition, nor `words` (the user's name and org unit) — as zxcvbn
/// estimates it.
pub async fn strong_password_hash_for(password: String, words: &[&str]) -> Result<String, AppError> {
    if let Some(e) = weak_password(&password, words) {
        return Err(AppError::invalid(vec![e]));
    }
    hash_password(password).await
}

/// Why a password is not strong enough (see [`strong_password_hash_for`]), or `None`.
pub fn weak_password(password: &str, words: &[&str]) -> Option<ecociv_core::entry::FieldError> {
    if let Err(e) = ecociv_core::entry::check_password_strength(password) {
        return Some(e);
    }
    (zxcvbn::zxcvbn(password, words).score() < MIN_GUESS_SCORE)
        .then(|| ecociv_core::entry::FieldError::keyed("password", "guessable_password", "field.password.guessable"))
}

/// The user of a name.
pub async fn user(st: &App, name: &str) -> Result<UserRecord, AppError> {
    st.store.user(name).await?.ok_or_else(|| AppError::not_found("unknown_user").field("name", name))
}

/// The users of the default zone, by name.
pub async fn users(st: &App) -> Result<Vec<UserRecord>, AppError> {
    let plan = st.plan(None).await?;
    Ok(st.store.users(&plan.zone.code).await?)
}

/// A user of the default zone that may be made: its name, its org unit (canonical) and role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub name: String,
    pub zone: String,
    pub org_unit: String,
    pub role: Role,
    /// Its password was set by someone else and must be changed at the first sign-in.
    pub must_change_password: bool,
}

/// Checks a user to be made in the default zone, before its password is asked for: the name
/// one word of visible characters and not taken; the org unit a name or alias of the plan, of the kind the role needs
/// (the task force and the platform's administrators sit in a department).
pub async fn new_user(st: &App, name: &str, org: &str, role: Role) -> Result<NewUser, AppError> {
    new_user_in(st, None, name, org, role).await
}

/// [`new_user`] in the zone `zone` (`None`: the default zone).
pub async fn new_user_in(st: &App, zone: Option<&str>, name: &str, org: &str, role: Role) -> Result<NewUser, AppError> {
    let plan = st.plan(zone).await?;
    let unit = org_unit_for(&plan, org, role)?;
    // one word of characters people can see (no space, no control character)
    if name.trim().is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(AppError::bad_request("bad_user_name").field("name", name));
    }
    if st.store.user(name).await?.is_some() {
        return Err(AppError::conflict("user_exists").field("name", name));
    }
    Ok(NewUser { name: name.into(), zone: plan.zone.code.clone(), org_unit: unit.name.clone(), role, must_change_password: false })
}

/// The kind of org unit a role sits in (the task force and the platform's administrators sit
/// in a department), if it needs one.
pub fn org_kind_for(role: Role) -> Option<OrgKind> {
    role.org_kind().or(match role {
        Role::TaskForce | Role::Admin => Some(OrgKind::Department),
        _ => None,
    })
}

/// The org unit of the plan named `org` (a name or alias) where a user with `role` may sit. An
/// unknown name is refused with the names that come nearest (those that contain it or that it
/// contains), else every org unit of the kind the role needs.
pub fn org_unit_for<'p>(plan: &'p ecociv_core::model::Plan, org: &str, role: Role) -> Result<&'p ecociv_core::model::OrgUnit, AppError> {
    let needed = org_kind_for(role);
    let Some(unit) = plan.org_unit(org) else {
        let fits = |o: &&ecociv_core::model::OrgUnit| needed.is_none_or(|k| o.kind == k);
        let typed = org.trim();
        let near: Vec<&str> = plan
            .org_units
            .iter()
            .filter(fits)
            .filter(|o| !typed.is_empty() && (o.name.contains(typed) || typed.contains(o.name.as_str())))
            .map(|o| o.name.as_str())
            .collect();
        let valid = if near.is_empty() { plan.org_units.iter().filter(fits).map(|o| o.name.as_str()).collect() } else { near };
        return Err(AppError::bad_request("unknown_org_unit").field("org", org).field("valid", &valid.join("、")));
    };
    if let Some(kind) = needed
        && unit.kind != kind
    {
        let code = |k: OrgKind| format!("{k:?}").to_lowercase();
        return Err(AppError::bad_request("org_kind_mismatch")
            .field("org", &unit.name)
            .field("kind", &code(unit.kind))
            .field("role", role.code())
            .field("needs", &code(kind)));
    }
    Ok(unit)
}

/// Makes a checked user with a password strong enough; `actor` on the trail.
pub async fn add_user(st: &App, u: &NewUser, password: String, actor: &str) -> Result<UserRecord, AppError> {
    let user = UserRecord {
        name: u.name.clone(),
        zone: u.zone.clone(),
        org_unit: u.org_unit.clone(),
        role: u.role,
        password_hash: strong_password_hash_for(password, &[&u.name, &u.org_unit]).await?,
        failed_logins: 0,
        locked_until: String::new(),
        disabled: false,
        must_change_password: u.must_change_password,
        created_at: st.stamp(),
    };
    st.store.create_user(&user, actor).await.map_err(|e| match AppError::from(e) {
        e if e.code == "conflict" => AppError::conflict("user_exists").field("name", &u.name),
        e => e,
    })?;
    Ok(user)
}

/// The one-time setup of a fresh installation: the address printed at start, where the first
/// administrator is made. It opens only while no account exists, and its token is used once.
#[derive(Default)]
pub struct Setup {
    token: std::sync::Mutex<Option<String>>,
}

impl Setup {
    /// A setup with a new random token when the store holds no account yet, else a closed one.
    pub async fn open_if_first_run(st: &App) -> Result<Setup, AppError> {
        let token = if st.store.any_user().await? { None } else { Some(random_token()) };
        Ok(Setup { token: std::sync::Mutex::new(token) })
    }

    /// The token of the setup address, while it is open.
    pub fn token(&self) -> Option<String> {
        self.token.lock().expect("setup token").clone()
    }

    /// Whether `token` opens the setup now.
    pub fn admits(&self, token: &str) -> bool {
        self.token.lock().expect("setup token").as_deref().is_some_and(|t| constant_time_eq(t.as_bytes(), token.as_bytes()))
    }

    /// Makes the first administrator with the token of the setup address, which closes it: a
    /// wrong or used token is `setup_closed`; an account made meanwhile (by the command line)
    /// closes it too. A refused name or password keeps it open.
    pub async fn first_admin(&self, st: &App, token: &str, name: &str, org: &str, password: String) -> Result<UserRecord, AppError> {
        let taken = {
            let mut t = self.token.lock().expect("setup token");
            if !t.as_deref().is_some_and(|t| constant_time_eq(t.as_bytes(), token.as_bytes())) {
                return Err(AppError::not_found("setup_closed"));
            }
            t.take()
        };
        let reopen = || *self.token.lock().expect("setup token") = taken.clone();
        if st.store.any_user().await? {
            return Err(AppError::not_found("setup_closed"));
        }
        let made = match new_user(st, name.trim(), org, Role::Admin).await {
            Ok(u) => add_user(st, &u, password, "setup").await,
            Err(e) => Err(e),
        };
        if made.is_err() {
            reopen();
        }
        made
    }
}

/// Whether two secrets are equal, in a time that does not depend on where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// Sets a new password, strong enough, and ends every session and API token of the user (a
/// lock-out and the failures counted end too); `actor` on the trail.
pub async fn set_password(st: &App, user: &UserRecord, password: String, actor: &str) -> Result<(), AppError> {
    let hash = strong_password_hash_for(password, &[&user.name, &user.org_unit]).await?;
    let after = UserRecord { password_hash: hash, failed_logins: 0, locked_until: String::new(), ..user.clone() };
    st.store.update_user(user, &after, "user.password_set", actor, "").await?;
    st.store.delete_sessions_of(&user.name).await?;
    st.store.revoke_tokens(&after, None, actor).await?;
    Ok(())
}

/// A user changes their own password (strong enough): a password someone else set is theirs
/// from here; every session and API token of the user ends (the caller starts a new session).
pub async fn change_own_password(st: &App, user: &UserRecord, password: String) -> Result<UserRecord, AppError> {
    let hash = strong_password_hash_for(password, &[&user.name, &user.org_unit]).await?;
    let after = UserRecord { password_hash: hash, must_change_password: false, ..user.clone() };
    st.store.update_user(user, &after, "user.password_changed", &user.name, "").await?;
    st.store.delete_sessions_of(&user.name).await?;
    st.store.revoke_tokens(&after, None, &user.name).await?;
    Ok(after)
}

/// Makes an API token for a user; returns its id and its secret (shown once: the store keeps
/// only its fingerprint).
pub async fn create_token(st: &App, name: &str, actor: &str) -> Result<(i64, String), AppError> {
    let u = user(st, name).await?;
    let secret = random_token();
    let id = st.store.create_token(&u, &fingerprint(&secret), actor).await?;
    Ok((id, secret))
}

/// Revokes a user's live tokens (all, or the one with `id`); returns how many.
pub async fn revoke_tokens(st: &App, name: &str, id: Option<i64>, actor: &str) -> Result<u64, AppError> {
    let u = user(st, name).await?;
    Ok(st.store.revoke_tokens(&u, id, actor).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecociv_store::testdb::TestDb;

    #[tokio::test]
    async fn users_are_checked_made_and_their_tokens_and_sessions_end() {
        let db = TestDb::sqlite().await;
        let app = App::new(db.store.clone(), None, "150100");
        crate::zones::load_plan(app.store.as_ref(), &crate::zones::embedded_plan().unwrap(), "test").await.unwrap();
        let refused = |r: Result<NewUser, AppError>| r.unwrap_err().code;
        assert_eq!(refused(new_user(&app, "x", "市不存在局", Role::Department).await), "unknown_org_unit");
        assert_eq!(refused(new_user(&app, "x", "市林草局", Role::Region).await), "org_kind_mismatch");
        assert_eq!(refused(new_user(&app, "x", "和林", Role::TaskForce).await), "org_kind_mismatch");
        assert_eq!(refused(new_user(&app, "two words", "和林", Role::Region).await), "bad_user_name");
        let new = new_user(&app, "zhang", "和林", Role::Region).await.unwrap();
        assert_eq!(new.org_unit, "和林格尔县", "an alias names the org unit");
        assert_eq!(add_user(&app, &new, "short".into(), "test").await.unwrap_err().code, "invalid");
        let u = add_user(&app, &new, "Correct-horse-9".into(), "test").await.unwrap();
        assert_eq!(refused(new_user(&app, "zhang", "和林", Role::Region).await), "user_exists");
        assert_eq!(add_user(&app, &new, "Correct-horse-9".into(), "test").await.unwrap_err().code, "user_exists");
        assert_eq!(users(&app).await.unwrap().iter().map(|u| u.name.as_str()).collect::<Vec<_>>(), ["zhang"]);
        // a token, shown once, and revoked
        let (id, secret) = create_token(&app, "zhang", "test").await.unwrap();
        assert_eq!(token_user(&app, &secret).await.unwrap().map(|u| u.name), Some("zhang".into()));
        assert_eq!(revoke_tokens(&app, "zhang", Some(id + 1), "test").await.unwrap(), 0);
        assert_eq!(revoke_tokens(&app, "zhang", None, "test").await.unwrap(), 1);
        assert!(token_user(&app, &secret).await.unwrap().is_none());
        assert_eq!(create_token(&app, "nobody", "test").await.unwrap_err().code, "unknown_user");
        // a new password ends the sessions
        let session = start_session(&app, &u).await.unwrap();
        assert!(session_user(&app, &session).await.unwrap().is_some());
        set_password(&app, &u, "Another-horse-10".into(), "test").await.unwrap();
        assert!(session_user(&app, &session).await.unwrap().is_none());
        assert!(matches!(login(&app, "zhang", "Another-horse-10").await.unwrap(), Login::Ok(_)));
        db.cleanup().await;
    }
}
