//! The language of a request. zh-CN is the default whatever the browser asks for (its
//! `Accept-Language` is not read); `?lang=TAG` or the `lang` cookie (set by `/lang/{tag}`)
//! switches to any compiled-in locale (`en`, or the tag of a file added to
//! `ecociv-core/locales/`). The text itself lives in those locale files
//! ([`ecociv_core::locale`]).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use ecociv_core::Locale;

/// The request's language, read from `?lang=` then the `lang` cookie.
#[derive(Debug, Clone, Copy)]
pub struct Lang(pub Locale);

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang(locale_of(parts)))
    }
}

/// Reads the locale of a request: `?lang=` wins, then the `lang` cookie, else zh-CN.
pub fn locale_of(parts: &Parts) -> Locale {
    if let Some(q) = parts.uri.query() {
        for pair in q.split('&') {
            if let Some(v) = pair.strip_prefix("lang=")
                && let Some(l) = Locale::parse(v)
            {
                return l;
            }
        }
    }
    for h in parts.headers.get_all(axum::http::header::COOKIE) {
        let Ok(s) = h.to_str() else { continue };
        for c in s.split(';') {
            if let Some(v) = c.trim().strip_prefix("lang=")
                && let Some(l) = Locale::parse(v)
            {
                return l;
            }
        }
    }
    Locale::Zh
}

pub use ecociv_core::locale::{t, t_opt, tf};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_used_in_code_and_templates_exists() {
        let root = env!("CARGO_MANIFEST_DIR");
        let mut sources = Vec::new();
        for dir in ["templates", "src", "../ecociv-app/src"] {
            for e in std::fs::read_dir(format!("{root}/{dir}")).unwrap() {
                sources.push(std::fs::read_to_string(e.unwrap().path()).unwrap());
            }
        }
        let keys = ecociv_core::locale::keys(Locale::Zh);
        let mut missing = Vec::new();
        for src in &sources {
            for marker in ["l.t(\"", "t(l, \"", "t(lang, \"", "tf(l, \"", "Error::not_found(\"", "Error::bad_request(\"", "Error::conflict(\""] {
                for part in src.split(marker).skip(1) {
                    let key = part.split('"').next().unwrap();
                    let full = if marker.contains("Error::") { format!("error.{key}") } else { key.to_string() };
                    if !keys.contains(&full.as_str()) {
                        missing.push(full);
                    }
                }
            }
        }
        assert!(missing.is_empty(), "missing locale keys: {missing:?}");
    }
}
