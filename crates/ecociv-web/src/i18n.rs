//! The language of a request and the user-interface text. zh-CN is the default whatever the
//! browser asks for; `?lang=en` or the `lang` cookie (set by `/lang/{tag}`) switches to English.
//! The text lives in `locales/zh-CN.toml` and `locales/en.toml`, compiled into the binary.

use std::collections::HashMap;
use std::sync::OnceLock;

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

fn table(l: Locale) -> &'static HashMap<String, String> {
    static ZH: OnceLock<HashMap<String, String>> = OnceLock::new();
    static EN: OnceLock<HashMap<String, String>> = OnceLock::new();
    let (cell, src) = match l {
        Locale::Zh => (&ZH, include_str!("../locales/zh-CN.toml")),
        Locale::En => (&EN, include_str!("../locales/en.toml")),
    };
    cell.get_or_init(|| toml::from_str(src).expect("locale files are valid TOML (tested)"))
}

/// The text of `key` in locale `l`; the key itself when missing (a test keeps that from happening).
pub fn t(l: Locale, key: &str) -> &'static str {
    match table(l).get(key) {
        Some(s) => s.as_str(),
        None => Box::leak(key.to_string().into_boxed_str()),
    }
}

/// The text of `key` in locale `l`, or `None` when there is none (for keys made from data).
pub fn t_opt(l: Locale, key: &str) -> Option<&'static str> {
    table(l).get(key).map(String::as_str)
}

/// `t` with `{name}` placeholders filled.
pub fn tf(l: Locale, key: &str, args: &[(&str, String)]) -> String {
    let mut s = t(l, key).to_string();
    for (k, v) in args {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_locales_have_the_same_keys() {
        let zh: Vec<&String> = {
            let mut v: Vec<_> = table(Locale::Zh).keys().collect();
            v.sort();
            v
        };
        let en: Vec<&String> = {
            let mut v: Vec<_> = table(Locale::En).keys().collect();
            v.sort();
            v
        };
        assert_eq!(zh, en);
    }

    #[test]
    fn every_key_used_in_code_and_templates_exists() {
        let root = env!("CARGO_MANIFEST_DIR");
        let mut sources = Vec::new();
        for dir in ["templates", "src"] {
            for e in std::fs::read_dir(format!("{root}/{dir}")).unwrap() {
                sources.push(std::fs::read_to_string(e.unwrap().path()).unwrap());
            }
        }
        let mut missing = Vec::new();
        for src in &sources {
            for marker in ["l.t(\"", "t(l, \"", "t(lang, \"", "tf(l, \"", "WebError::not_found(\"", "WebError::bad_request(\""] {
                for part in src.split(marker).skip(1) {
                    let key = part.split('"').next().unwrap();
                    let full = if marker.starts_with("WebError") { format!("error.{key}") } else { key.to_string() };
                    if !table(Locale::Zh).contains_key(&full) {
                        missing.push(full);
                    }
                }
            }
        }
        assert!(missing.is_empty(), "missing locale keys: {missing:?}");
    }
}
