//! Who is asking: passwords (Argon2id), server-side sessions (the cookie holds a random id,
//! the store its SM3 hash; HttpOnly, SameSite=Lax, Secure over TLS, idle timeout, a new id at
//! every login), API bearer tokens, lock-out after repeated failures, and CSRF protection
//! (a per-session token in every form and in the `X-CSRF-Token` header of scripts, plus an
//! Origin check). Every login and failed login goes to the audit trail.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use ecociv_app::accounts::{actor_of, session_user, token_user};
use ecociv_core::Locale;
use ecociv_core::access::Actor;

use crate::error::WebError;
use crate::i18n::locale_of;
use crate::state::AppState;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "ecociv_session";

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
    /// The password was set by someone else: nothing but changing it until it is changed.
    pub must_change_password: bool,
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
    ecociv_app::accounts::constant_time_eq(a.as_bytes(), b.as_bytes())
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

/// What goes wrong when a request is not signed in.
pub enum AuthRejection {
    /// API: 401 with the error shape.
    Api(WebError),
    /// Pages: to the login page, coming back afterwards.
    Page(String),
    Forbidden(WebError),
    /// Pages: to the password page, the password being one someone else set.
    ChangePassword,
}

/// The page where one's password is changed.
pub const PASSWORD_PAGE: &str = "/account/password";

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        match self {
            AuthRejection::Api(e) | AuthRejection::Forbidden(e) => e.into_response(),
            AuthRejection::ChangePassword => Redirect::to(PASSWORD_PAGE).into_response(),
            AuthRejection::Page(back) => Redirect::to(&format!("/login?back={}", crate::layout::encode(&back))).into_response(),
        }
    }
}

/// Who is asking, when already resolved for this request (by the middleware of `kept`): the
/// extractors take it instead of asking again.
#[derive(Clone)]
pub struct Resolved(pub Option<Authed>);

/// Resolves the user of a request, or `None` when it carries no valid credentials.
pub async fn resolve(parts: &Parts, st: &AppState) -> Result<Option<Authed>, WebError> {
    if let Some(Resolved(who)) = parts.extensions.get() {
        return Ok(who.clone());
    }
    let locale = locale_of(parts);
    if let Some(auth) = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let Some(token) = auth.strip_prefix("Bearer ").map(str::trim) else { return Ok(None) };
        let Some(u) = token_user(st, token).await? else { return Ok(None) };
        let must_change_password = u.must_change_password;
        return Ok(Some(Authed { actor: actor_of(&u), via: Via::Token, csrf: String::new(), csrf_header_ok: false, locale, must_change_password }));
    }
    let Some(id) = cookie(&parts.headers, SESSION_COOKIE) else { return Ok(None) };
    let Some((u, s)) = session_user(st, &id).await? else { return Ok(None) };
    let id_hash = s.id_hash;
    let header_ok = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).is_some_and(|v| constant_eq(v, &s.csrf));
    let must_change_password = u.must_change_password;
    Ok(Some(Authed { actor: actor_of(&u), via: Via::Session { id_hash }, csrf: s.csrf, csrf_header_ok: header_ok, locale, must_change_password }))
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
            // a password set by someone else is changed first (signing out stays possible)
            Ok(Some(a)) if a.must_change_password && !matches!(parts.uri.path(), PASSWORD_PAGE | "/logout") => {
                if api {
                    Err(AuthRejection::Forbidden(WebError::new(StatusCode::FORBIDDEN, "password_change_required").in_locale(locale)))
                } else {
                    Err(AuthRejection::ChangePassword)
                }
            }
            Ok(Some(a)) => in_zone_asked(parts, st, a).await.map_err(|e| AuthRejection::Forbidden(e.in_locale(locale))),
            Ok(None) if api => Err(AuthRejection::Api(WebError::new(StatusCode::UNAUTHORIZED, "unauthorized").in_locale(locale))),
            Ok(None) => Err(AuthRejection::Page(parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into()))),
            Err(e) => Err(AuthRejection::Api(e.in_locale(locale))),
        }
    }
}

/// The header that names the zone a request acts in: the task force of a zone acts in a zone
/// directly under it as far as that zone's settings allow (`parent_rights`).
pub const ZONE_HEADER: &str = "x-ecociv-zone";

/// The user as it acts in the zone the request names (`ZONE_HEADER`): its own zone as it is;
/// a zone under its own, as the task force of the zone above where that zone allows it;
/// refused otherwise (`parent_not_allowed`, the same for a zone that does not exist).
async fn in_zone_asked(parts: &Parts, st: &AppState, a: Authed) -> Result<Authed, WebError> {
    let Some(asked) = parts.headers.get(ZONE_HEADER).map(|v| v.to_str().unwrap_or("\u{fffd}").trim().to_string()) else { return Ok(a) };
    if asked == a.actor.zone {
        return Ok(a);
    }
    let refused = || WebError::new(StatusCode::FORBIDDEN, "parent_not_allowed").field("zone", &asked);
    let zones = st.zones().await?;
    let Some(child) = zones.iter().find(|z| z.code == asked) else { return Err(refused()) };
    let rights = ecociv_app::entries::settings_of(st, &child.code).await?.parent_rights;
    let actor = a.actor.in_child(&child.code, child.parent.as_deref(), &rights).ok_or_else(refused)?;
    Ok(Authed { actor, ..a })
}

/// The user, when signed in (pages that anyone may see).
pub struct MaybeAuthed(pub Option<Authed>);

impl FromRequestParts<AppState> for MaybeAuthed {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        Ok(MaybeAuthed(resolve(parts, st).await.ok().flatten()))
    }
}
