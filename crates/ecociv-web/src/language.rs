//! `/lang/{tag}`: the language switch of every page, one link per other locale. It sets the
//! `lang` cookie to the locale the tag names (any compiled-in tag, or a longer one such as
//! `en-US`; zh-CN for an unknown one) and goes back to the page it came from (only paths on
//! this site).

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ecociv_core::Locale;
use serde::Deserialize;

use crate::extract::{P, Q};
use crate::layout::is_local_path;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/lang/{tag}", get(switch_language))
}

#[derive(Deserialize)]
struct Back {
    back: Option<String>,
}

/// Sets the `lang` cookie and goes back to the page (only paths on this site).
async fn switch_language(P(tag): P<String>, Q(b): Q<Back>) -> Response {
    let l = Locale::parse(&tag).unwrap_or_default();
    let back = b.back.filter(|p| is_local_path(p)).unwrap_or_else(|| "/".into());
    let mut r = StatusCode::SEE_OTHER.into_response();
    r.headers_mut().insert(header::LOCATION, HeaderValue::from_str(&back).unwrap_or(HeaderValue::from_static("/")));
    let cookie = format!("lang={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly", l.tag());
    r.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_str(&cookie).expect("ascii cookie"));
    r
}
