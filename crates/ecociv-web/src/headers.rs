//! The headers every page, API answer, download and asset carries, so that a browser never
//! runs what it should not, nor frames, sniffs, leaks or keeps it: a Content-Security-Policy
//! with scripts and styles only from ecociv's own files (no inline script or style anywhere) and
//! no framing, `nosniff`, no referrer, and `Cache-Control: no-store` on everything but the
//! assets (which say how long they keep). Behind a TLS proxy (`X-Forwarded-Proto: https`),
//! HSTS too. `/healthz` answers without them: it is a probe, not a page.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// What a page may load and who may frame it.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
                       object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Adds the headers to an answer (those it set itself stay).
pub async fn secure(req: Request, next: Next) -> Response {
    let tls = req.headers().get("x-forwarded-proto").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: HeaderName, value: &'static str| {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(h, header::CONTENT_SECURITY_POLICY, CSP);
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::CACHE_CONTROL, "no-store");
    if tls {
        set(h, header::STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    }
    r
}
