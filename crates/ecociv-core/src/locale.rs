//! The two languages of ecociv and their text. zh-CN is the default everywhere; the locale is
//! always passed explicitly, never kept in process-global state. The text of the pages,
//! messages and documents lives in `locales/zh-CN.toml` and `locales/en.toml`, compiled in.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, OnceLock};

use serde::{Deserialize, Serialize};

/// A user-interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Locale {
    #[default]
    #[serde(rename = "zh-CN")]
    Zh,
    #[serde(rename = "en")]
    En,
}

impl Locale {
    /// Reads `zh-CN`, `zh`, `en`, `en-US`, … ; anything else is `None`.
    pub fn parse(s: &str) -> Option<Locale> {
        let s = s.trim().to_ascii_lowercase();
        if s == "zh" || s.starts_with("zh-") || s.starts_with("zh_") {
            Some(Locale::Zh)
        } else if s == "en" || s.starts_with("en-") || s.starts_with("en_") {
            Some(Locale::En)
        } else {
            None
        }
    }
    /// The BCP 47 tag.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::Zh => "zh-CN",
            Locale::En => "en",
        }
    }
    /// Picks the text of this locale.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Locale::Zh => zh,
            Locale::En => en,
        }
    }
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

/// The text of `key` in locale `l`; the key itself when missing (a test keeps that from
/// happening). A missing key is kept once, however often it is asked for.
pub fn t(l: Locale, key: &str) -> &'static str {
    if let Some(s) = table(l).get(key) {
        return s.as_str();
    }
    static MISSING: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut missing = MISSING.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    if let Some(k) = missing.get(key) {
        return k;
    }
    let k: &'static str = Box::leak(key.to_string().into_boxed_str());
    missing.insert(k);
    k
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

/// Every key of a locale (for the tests that keep the files complete).
pub fn keys(l: Locale) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = table(l).keys().map(String::as_str).collect();
    v.sort_unstable();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_locales_have_the_same_keys() {
        assert_eq!(keys(Locale::Zh), keys(Locale::En));
    }

    #[test]
    fn a_missing_key_is_kept_once() {
        let a = t(Locale::Zh, "no.such.key.for.this.test");
        let b = t(Locale::En, &String::from("no.such.key.for.this.test"));
        assert_eq!(a, "no.such.key.for.this.test");
        assert!(std::ptr::eq(a, b), "the same missing key is not leaked twice");
    }
}
