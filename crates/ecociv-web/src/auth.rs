//! Who is asking: passwords (Argon2id), server-side sessions (the cookie holds a random id,
//! the store its SM3 hash; HttpOnly, SameSite=Lax, Secure over TLS, idle timeout, a new id at
//! every login), API bearer tokens, lock-out after repeated failures, and CSRF protection
//! (a per-session token in every form and in the `X-CSRF-Token` header of scripts, plus an
//! Origin check). Every login and failed login goes to the audit trail.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Argon2, PasswordHash};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, Utc};
use ecociv_core::Locale;
use ecociv_core::access::Actor;
use ecociv_store::UserRecord;
use sm3::Digest;

use crate::AppState;
use crate::error::WebError;
use crate::i18n::locale_of;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "ecociv_session";
/// Failed logins in a row that lock an account.
pub const MAX_FAILURES: i64 = 5;
/// How long a lock-out lasts.
pub const LOCK_MINUTES: i64 = 15;

/// Hashes a password with Argon2id (off the async threads).
pub async fn hash_password(pw: String) -> Result<String, WebError> {
    tokio::task::spawn_blocking(move || Argon2::default().hash_password(pw.as_bytes()).map(|h| h.to_string()))
        .await
        .map_err(|_| WebError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal"))?
        .map_err(|_| WebError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal"))
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

/// How the request proved who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    Token,
    Session { id_hash: String },
}

/// A signed-in user.
#[derive(Debug, Clone)]
pub struct Authed {
    pub actor: Actor,
    pub via: Via,
    /// The session's CSRF token (empty for tokens).
    pub csrf: String,
    /// For cookie sessions: the `X-CSRF-Token` header matched.
    pub csrf_header_ok: bool,
    pub locale: Locale,
}

impl Authed {
    /// Checks the CSRF token of a state-changing request: bearer tokens need none; a cookie
    /// session needs the header or the form field.
    pub fn check_csrf(&self, form_field: Option<&str>) -> Result<(), WebError> {
        match self.via {
            Via::Token => Ok(()),
            Via::Session { .. } if self.csrf_header_ok => Ok(()),
            Via::Session { .. } if form_field.is_some_and(|f| constant_eq(f, &self.csrf)) => Ok(()),
            Via::Session { .. } => Err(WebError::new(StatusCode::FORBIDDEN, "csrf").in_locale(self.locale)),
        }
    }
}

fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Reads a cookie.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|h| h.to_str().ok()).flat_map(|s| s.split(';')).find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

/// True when the request came over TLS (directly or through a proxy that says so).
pub fn is_tls(headers: &HeaderMap, st: &AppState) -> bool {
    st.secure_cookies || headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// The Set-Cookie value of a session: a browser-session cookie (no Max-Age); the idle timeout
/// is the server's, counted from the last request.
pub fn session_cookie(id: &str, secure: bool, _idle_minutes: i64) -> String {
    format!("{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax{}", if secure { "; Secure" } else { "" })
}

/// Clears the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}", if secure { "; Secure" } else { "" })
}

/// True when a request's `Origin` (or, without one, its `Referer`) is this site.
pub fn same_site(headers: &HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let host_of = |url: &str| url.split("://").nth(1).unwrap_or(url).split('/').next().unwrap_or("").to_string();
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        return origin == "null" && host.is_empty() || host_of(origin) == host;
    }
    match headers.get(header::REFERER).and_then(|v| v.to_str().ok()) {
        Some(r) => host.is_empty() || host_of(r) == host,
        None => true,
    }
}

/// Rejects a cross-site state-changing request: a present `Origin` must name this host.
fn origin_ok(parts: &Parts) -> bool {
    same_site(&parts.headers)
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|d| d.with_timezone(&Utc))
}

/// What goes wrong when a request is not signed in.
pub enum AuthRejection {
    /// API: 401 with the error shape.
    Api(WebError),
    /// Pages: to the login page, coming back afterwards.
    Page(String),
    Forbidden(WebError),
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        match self {
            AuthRejection::Api(e) | AuthRejection::Forbidden(e) => e.into_response(),
            AuthRejection::Page(back) => Redirect::to(&format!("/login?back={}", crate::pages::encode(&back))).into_response(),
        }
    }
}

/// Resolves the user of a request, or `None` when it carries no valid credentials.
pub async fn resolve(parts: &Parts, st: &AppState) -> Result<Option<Authed>, WebError> {
    let locale = locale_of(parts);
    if let Some(auth) = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let Some(token) = auth.strip_prefix("Bearer ").map(str::trim) else { return Ok(None) };
        let Some(t) = st.store.token(&fingerprint(token)).await? else { return Ok(None) };
        let Some(u) = st.store.user(&t.user).await? else { return Ok(None) };
        return Ok(Some(Authed { actor: actor_of(&u), via: Via::Token, csrf: String::new(), csrf_header_ok: false, locale }));
    }
    let Some(id) = cookie(&parts.headers, SESSION_COOKIE) else { return Ok(None) };
    let id_hash = fingerprint(&id);
    let Some(s) = st.store.session(&id_hash).await? else { return Ok(None) };
    let now = Utc::now();
    if parse_time(&s.last_seen).is_none_or(|t| now - t > Duration::minutes(st.idle_minutes)) {
        st.store.delete_session(&id_hash).await?;
        return Ok(None);
    }
    let Some(u) = st.store.user(&s.user).await? else { return Ok(None) };
    st.store.touch_session(&id_hash, &ecociv_store::trail::now()).await?;
    let header_ok = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).is_some_and(|v| constant_eq(v, &s.csrf));
    Ok(Some(Authed { actor: actor_of(&u), via: Via::Session { id_hash }, csrf: s.csrf, csrf_header_ok: header_ok, locale }))
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        let api = parts.uri.path().starts_with("/api/");
        let locale = locale_of(parts);
        if parts.method != Method::GET && parts.method != Method::HEAD && !origin_ok(parts) {
            return Err(AuthRejection::Forbidden(WebError::new(StatusCode::FORBIDDEN, "csrf").in_locale(locale)));
        }
        match resolve(parts, st).await {
            Ok(Some(a)) => Ok(a),
            Ok(None) if api => Err(AuthRejection::Api(WebError::new(StatusCode::UNAUTHORIZED, "unauthorized").in_locale(locale))),
            Ok(None) => Err(AuthRejection::Page(parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into()))),
            Err(e) => Err(AuthRejection::Api(e.in_locale(locale))),
        }
    }
}

/// The user, when signed in (pages that anyone may see).
pub struct MaybeAuthed(pub Option<Authed>);

impl FromRequestParts<AppState> for MaybeAuthed {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        Ok(MaybeAuthed(resolve(parts, st).await.ok().flatten()))
    }
}

/// The outcome of a login attempt.
pub enum Login {
    Ok(UserRecord),
    Wrong,
    Locked(String),
}

/// Checks a name and password, counting failures, locking after [`MAX_FAILURES`], and
/// recording every attempt in the audit trail.
pub async fn login(st: &AppState, name: &str, password: &str) -> Result<Login, WebError> {
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
pub async fn start_session(st: &AppState, user: &UserRecord) -> Result<String, WebError> {
    let id = random_token();
    let now = ecociv_store::trail::now();
    st.store
        .create_session(&ecociv_store::SessionRecord {
            id_hash: fingerprint(&id),
            user: user.name.clone(),
            csrf: random_token(),
            created_at: now.clone(),
            last_seen: now,
        })
        .await?;
    Ok(id)
}
