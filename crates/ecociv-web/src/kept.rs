//! Kept answers: the answer of a page of [`ROUTES`] is stored once rendered, with its
//! gzip, for who asked it (the session, the user's name, role and org unit), in which language,
//! on which day, and for the versions of the data of its zone (and of the user's zone, when
//! another). The next request that asks the same with the same versions gets the stored bytes
//! without running the handler; any write to those zones moves a version, so the next request
//! after it renders the page again; when many ask it at once, one renders and the others wait
//! for its answer (single flight). Only GET answers with status 200 and no cookie are kept, at
//! most [`BYTES`] in all, the oldest going first.
//!
//! Who is asking is resolved here once and handed to the handler's extractors
//! (`auth::Resolved`). While nothing is written, the session and the zone's versions are known
//! without asking the store (`ecociv_app::changes`), so a kept page costs no query; after a
//! write, two (the session with its user, the zone's versions).

use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ecociv_core::record::DataVersions;

use crate::auth::Resolved;
use crate::state::AppState;

/// How many bytes of kept answers (plain and gzip together) are held at most.
pub const BYTES: usize = 32 * 1024 * 1024;

/// Keys whose turn is remembered before the unheld ones are forgotten.
const TURNS: usize = 4096;

/// The largest answer kept.
const LARGEST: usize = 4 * 1024 * 1024;

/// The routes whose answers are kept: each depends only on the path and query, the language,
/// the day, who asks, and the data of the zone (nothing from the audit trail or the accounts,
/// which move no version).
pub const ROUTES: &[&str] = &[
    "/",
    "/findings",
    "/indicators",
    "/indicators/{code}",
    "/tasks",
    "/tasks/{number}",
    "/projects",
    "/projects/{number}",
    "/dashboard",
    "/dashboard/projects",
    "/assessment",
    "/readiness",
    "/bulletin",
    "/public",
    "/api/v1/plan",
    "/api/v1/indicators",
    "/api/v1/tasks",
    "/api/v1/projects",
    "/api/v1/public/indicators",
    "/api/v1/public/projects",
];

struct Entry {
    versions: Vec<i64>,
    headers: HeaderMap,
    plain: Bytes,
    gzip: Option<Bytes>,
}

impl Entry {
    fn size(&self) -> usize {
        self.plain.len() + self.gzip.as_ref().map_or(0, Bytes::len)
    }

    fn answer(&self, gzip_ok: bool) -> Response {
        let mut r = match (&self.gzip, gzip_ok) {
            (Some(z), true) => {
                let mut r = Response::new(Body::from(z.clone()));
                r.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                r
            }
            _ => Response::new(Body::from(self.plain.clone())),
        };
        for (k, v) in &self.headers {
            r.headers_mut().insert(k.clone(), v.clone());
        }
        r.headers_mut().insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        r
    }
}

/// The kept answers, and their keys oldest first.
#[derive(Default)]
pub struct Kept {
    inner: Mutex<Inner>,
    /// A turn per key being rendered: who misses waits for the one rendering it, then finds its
    /// answer kept (single flight), instead of every waiting request rendering it too.
    turns: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

#[derive(Default)]
struct Inner {
    map: HashMap<String, Arc<Entry>>,
    order: VecDeque<String>,
    bytes: usize,
}

impl Kept {
    fn get(&self, key: &str, versions: &[i64]) -> Option<Arc<Entry>> {
        let inner = self.inner.lock().expect("kept answers");
        inner.map.get(key).filter(|e| e.versions == versions).cloned()
    }

    fn put(&self, key: String, e: Arc<Entry>) {
        let mut inner = self.inner.lock().expect("kept answers");
        let size = e.size();
        match inner.map.insert(key.clone(), e) {
            Some(old) => inner.bytes -= old.size(),
            None => inner.order.push_back(key),
        }
        inner.bytes += size;
        while inner.bytes > BYTES {
            let Some(oldest) = inner.order.pop_front() else { break };
            if let Some(old) = inner.map.remove(&oldest) {
                inner.bytes -= old.size();
            }
        }
    }

    /// The turn of a key (made when none is held; the map is emptied past [`TURNS`]).
    fn turn(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut turns = self.turns.lock().expect("kept turns");
        if turns.len() >= TURNS {
            turns.retain(|_, t| Arc::strong_count(t) > 1);
        }
        turns.entry(key.to_string()).or_default().clone()
    }

    /// How many answers are kept, and their bytes (for tests and the benchmark).
    pub fn usage(&self) -> (usize, usize) {
        let inner = self.inner.lock().expect("kept answers");
        (inner.map.len(), inner.bytes)
    }
}

fn versions_of(v: &DataVersions, out: &mut Vec<i64>) {
    out.extend([v.observations, v.dispatch, v.controls, v.plan]);
}

/// True when the client takes gzip (`Accept-Encoding` names it without `q=0`).
fn accepts_gzip(h: &HeaderMap) -> bool {
    h.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|s| s.split(',')).any(|item| {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim();
        let refused = parts.any(|p| matches!(p.trim().strip_prefix("q="), Some(q) if q.trim().parse::<f32>().is_ok_and(|q| q == 0.0)));
        (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
    })
}

fn gzip(bytes: &[u8]) -> Option<Bytes> {
    let mut z = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 4), flate2::Compression::new(6));
    z.write_all(bytes).ok()?;
    let out = z.finish().ok()?;
    (out.len() < bytes.len()).then(|| Bytes::from(out))
}

/// What the middleware holds: the application, and the kept answers.
#[derive(Clone)]
pub struct Layer {
    pub st: AppState,
    pub kept: Arc<Kept>,
}

/// The middleware: answers a GET of [`ROUTES`] from the kept answers, or runs the handler and
/// keeps its answer.
pub async fn layer(State(Layer { st, kept: store }): State<Layer>, req: Request, next: Next) -> Response {
    let kept = req.extensions().get::<MatchedPath>().is_some_and(|p| ROUTES.contains(&p.as_str()));
    // a request that acts in a zone under the user's own (the zone header) is never kept: its
    // answer is that zone's, as far as the zone allows at this moment
    if req.method() != Method::GET || !kept || req.headers().contains_key(crate::auth::ZONE_HEADER) {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let who = match crate::auth::resolve(&parts, &st).await {
        Ok(who) => who,
        Err(_) => return next.run(Request::from_parts(parts, body)).await,
    };
    let zone = axum::extract::Query::<crate::ZoneQuery>::try_from_uri(&parts.uri)
        .ok()
        .and_then(|q| q.0.zone)
        .filter(|z| !z.is_empty())
        .unwrap_or_else(|| st.default_zone.clone());
    let mut versions = Vec::with_capacity(8);
    match st.versions(&zone).await {
        Ok(v) => versions_of(&v, &mut versions),
        Err(_) => {
            parts.extensions.insert(Resolved(who));
            return next.run(Request::from_parts(parts, body)).await;
        }
    }
    if let Some(a) = who.as_ref().filter(|a| a.actor.zone != zone) {
        match st.versions(&a.actor.zone).await {
            Ok(v) => versions_of(&v, &mut versions),
            Err(_) => {
                parts.extensions.insert(Resolved(who));
                return next.run(Request::from_parts(parts, body)).await;
            }
        }
    }
    let viewer = match &who {
        Some(a) => {
            let via = match &a.via {
                crate::auth::Via::Session { id_hash } => id_hash.as_str(),
                crate::auth::Via::Token => "token",
            };
            format!("{via}\u{1}{}\u{1}{}\u{1}{}", a.actor.name, a.actor.role.code(), a.actor.org_unit)
        }
        None => String::new(),
    };
    let path = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let key = format!("{path}\u{0}{}\u{0}{viewer}\u{0}{}", crate::i18n::locale_of(&parts).tag(), st.today());
    let gzip_ok = accepts_gzip(&parts.headers);
    if let Some(e) = store.get(&key, &versions) {
        return e.answer(gzip_ok);
    }
    // one renders, the others wait and take its answer
    let turn = store.turn(&key);
    let _turn = turn.lock().await;
    if let Some(e) = store.get(&key, &versions) {
        return e.answer(gzip_ok);
    }
    parts.extensions.insert(Resolved(who));
    let r = next.run(Request::from_parts(parts, body)).await;
    if r.status() != StatusCode::OK || r.headers().contains_key(header::SET_COOKIE) {
        return r;
    }
    let (rp, body) = r.into_parts();
    let plain = match axum::body::to_bytes(body, LARGEST).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!("reading an answer to keep: {e}");
            return (StatusCode::INTERNAL_SERVER_ERROR, "answer too large").into_response();
        }
    };
    let mut headers = rp.headers;
    headers.remove(header::CONTENT_LENGTH);
    let gz = gzip(&plain);
    let e = Arc::new(Entry { versions, headers, plain, gzip: gz });
    store.put(key, e.clone());
    e.answer(gzip_ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(v: &str) -> HeaderMap {
        let mut m = HeaderMap::new();
        m.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
        m
    }

    #[test]
    fn gzip_is_sent_only_to_who_takes_it() {
        assert!(accepts_gzip(&h("gzip, br")));
        assert!(accepts_gzip(&h("br;q=1.0, gzip;q=0.8")));
        assert!(accepts_gzip(&h("*")));
        assert!(!accepts_gzip(&h("gzip;q=0")));
        assert!(!accepts_gzip(&h("br, deflate")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn the_oldest_go_first_past_the_bound() {
        let kept = Kept::default();
        let big = Bytes::from(vec![b'x'; BYTES / 4 + 1]);
        for i in 0..6 {
            kept.put(format!("k{i}"), Arc::new(Entry { versions: vec![1], headers: HeaderMap::new(), plain: big.clone(), gzip: None }));
        }
        let (n, bytes) = kept.usage();
        assert_eq!(n, 3);
        assert!(bytes <= BYTES);
        assert!(kept.get("k0", &[1]).is_none());
        assert!(kept.get("k5", &[1]).is_some());
        assert!(kept.get("k5", &[2]).is_none(), "other versions");
    }
}
