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

/// `t` with `{name}` placeholders filled; `{name:?}` is the value quoted and escaped as Rust's
/// `{:?}` writes it (`"a\"b"`), as the English messages quote what was found. A placeholder
/// without a value stays as it is.
pub fn tf(l: Locale, key: &str, args: &[(&str, String)]) -> String {
    fill(t(l, key), args)
}

/// Fills the placeholders of a text in one pass (a value is never read as a placeholder).
fn fill(text: &str, args: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let filled = after.find('}').and_then(|close| {
            let inner = &after[..close];
            let (name, quoted) = inner.strip_suffix(":?").map_or((inner, false), |n| (n, true));
            let (_, v) = args.iter().find(|(k, _)| *k == name)?;
            Some((if quoted { format!("{v:?}") } else { v.clone() }, close))
        });
        match filled {
            Some((v, close)) => {
                out.push_str(&v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
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
    fn placeholders_are_filled_once_and_quoted_on_demand() {
        let f = |text: &str, args: &[(&str, String)]| fill(text, args);
        assert_eq!(f("{a} and {b:?}", &[("a", "x{b}".into()), ("b", "y\"z".into())]), "x{b} and \"y\\\"z\"");
        assert_eq!(f("{missing} {", &[]), "{missing} {");
    }

    #[test]
    fn a_missing_key_is_kept_once() {
        let a = t(Locale::Zh, "no.such.key.for.this.test");
        let b = t(Locale::En, &String::from("no.such.key.for.this.test"));
        assert_eq!(a, "no.such.key.for.this.test");
        assert!(std::ptr::eq(a, b), "the same missing key is not leaked twice");
    }

    /// What a byte of Rust source is part of.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Byte {
        Code,
        /// A string literal, quotes included.
        Text,
        /// A comment or a char literal.
        Other,
    }

    /// Marks each byte of a Rust source as code, string literal, or comment and char literal.
    fn bytes_of(src: &str) -> Vec<Byte> {
        let b = src.as_bytes();
        let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
        let mut kinds = vec![Byte::Code; b.len()];
        let mut i = 0;
        while i < b.len() {
            let (end, kind) = if b[i..].starts_with(b"//") {
                (src[i..].find('\n').map_or(b.len(), |n| i + n), Byte::Other)
            } else if b[i..].starts_with(b"/*") {
                let (mut j, mut depth) = (i, 0);
                while j < b.len() {
                    if b[j..].starts_with(b"/*") {
                        depth += 1;
                        j += 2;
                    } else if b[j..].starts_with(b"*/") {
                        depth -= 1;
                        j += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        j += 1;
                    }
                }
                (j, Byte::Other)
            } else if b[i] == b'"' {
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                (j + 1, Byte::Text)
            } else if b[i] == b'r' && (i == 0 || !ident(b[i - 1]) || (b[i - 1] == b'b' && (i < 2 || !ident(b[i - 2])))) {
                let hashes = b[i + 1..].iter().take_while(|c| **c == b'#').count();
                if b.get(i + 1 + hashes) == Some(&b'"') {
                    let close = format!("\"{}", "#".repeat(hashes));
                    let from = i + 2 + hashes;
                    (src[from..].find(&close).map_or(b.len(), |n| from + n + close.len()), Byte::Text)
                } else {
                    (i + 1, Byte::Code)
                }
            } else if b[i] == b'\'' {
                // a char literal, or a lifetime
                let end = if b.get(i + 1) == Some(&b'\\') {
                    b.get(i + 3..).and_then(|r| r.iter().position(|c| *c == b'\'')).map(|p| i + 3 + p + 1)
                } else {
                    src[i + 1..].chars().next().map(|c| i + 1 + c.len_utf8()).filter(|e| b.get(*e) == Some(&b'\'')).map(|e| e + 1)
                };
                end.map_or((i + 1, Byte::Code), |e| (e, Byte::Other))
            } else {
                (i + 1, Byte::Code)
            };
            let end = end.min(b.len());
            kinds[i..end].fill(kind);
            i = end;
        }
        kinds
    }

    /// The calls `name(…)` in code (not in comments or literals): the line and the byte ranges
    /// of the arguments.
    fn calls(src: &str, kinds: &[Byte], name: &str) -> Vec<(usize, Vec<std::ops::Range<usize>>)> {
        let b = src.as_bytes();
        let mut out = Vec::new();
        for (at, _) in src.match_indices(&format!("{name}(")) {
            let open = at + name.len();
            if kinds[at..=open].iter().any(|k| *k != Byte::Code) || (at > 0 && (b[at - 1].is_ascii_alphanumeric() || b[at - 1] == b'_')) {
                continue;
            }
            let (mut depth, mut from, mut args) = (0, open + 1, Vec::new());
            for j in open..b.len() {
                if kinds[j] != Byte::Code {
                    continue;
                }
                match b[j] {
                    b'(' | b'[' | b'{' => depth += 1,
                    b')' | b']' | b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            args.push(from..j);
                            break;
                        }
                    }
                    b',' if depth == 1 => {
                        args.push(from..j);
                        from = j + 1;
                    }
                    _ => {}
                }
            }
            args.retain(|r| !src[r.clone()].trim().is_empty());
            out.push((src[..at].matches('\n').count() + 1, args));
        }
        out
    }

    /// The text pairs of a Rust source: `pick` calls whose two texts both hold a string literal
    /// (`l.pick("指标", "Indicator")`, `l.pick(&format!(…), &format!(…))`), and
    /// `FieldError::new` calls with a message written out.
    fn text_pairs(src: &str) -> Vec<String> {
        let kinds = bytes_of(src);
        let literal = |r: &std::ops::Range<usize>| kinds[r.clone()].contains(&Byte::Text);
        let mut pairs = Vec::new();
        for (line, args) in calls(src, &kinds, "pick") {
            if args.len() >= 2 && args[args.len() - 2..].iter().all(literal) {
                pairs.push(format!("{line}: pick"));
            }
        }
        for (line, args) in calls(src, &kinds, "FieldError::new") {
            if args.len() == 4 && args[2..].iter().any(literal) {
                pairs.push(format!("{line}: FieldError::new"));
            }
        }
        pairs
    }

    fn files_under(dir: &std::path::Path, ext: &str, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                files_under(&path, ext, out);
            } else if path.extension().is_some_and(|e| e == ext) {
                out.push(path);
            }
        }
    }

    #[test]
    fn the_pair_scanner_sees_pairs_and_only_pairs() {
        let src = r##"
            // l.pick("注释", "comment") is not code
            let a = l.pick("指标", "Indicator");
            let b = l.pick(&p.name, &p.name_en);
            let c = Locale::pick(l, "甲", "a");
            let d = l.pick(
                &format!("第{r}行", r = ')'),
                &format!("row {r}"),
            );
            let e = "l.pick(\"x\", \"y\")";
            let f: &'static str = r#"pick("raw", "raw")"#;
            FieldError::new("f", "code", "中文", "English");
            FieldError::new("f", "code", zh, en);
            FieldError::new("f", "code", format!("{x}"), format!("{x:?}"));
        "##;
        assert_eq!(text_pairs(src), ["3: pick", "5: pick", "6: pick", "12: FieldError::new", "14: FieldError::new"]);
    }

    /// A text written in Rust as a pair of literals, one per language, could not be given in a
    /// third language by adding a locale file. Every such `pick` and `FieldError::new` of the
    /// workspace's sources and templates is refused, but for the files of other owners not yet
    /// moved to the locale files, which may only lose theirs.
    #[test]
    fn text_pairs_stay_in_the_locale_files() {
        const NOT_YET_MOVED: &[(&str, usize)] = &[("ecociv-web/src/extract.rs", 3), ("ecociv-web/src/observations.rs", 1)];
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let (mut sources, mut templates) = (Vec::new(), Vec::new());
        for entry in std::fs::read_dir(&crates).unwrap().flatten() {
            files_under(&entry.path().join("src"), "rs", &mut sources);
            files_under(&entry.path().join("templates"), "html", &mut templates);
        }
        assert!(sources.len() > 50, "the sources are found ({})", sources.len());
        let mut refused = Vec::new();
        for path in &sources {
            let rel = path.strip_prefix(&crates).unwrap().to_string_lossy().replace('\\', "/");
            let pairs = text_pairs(&std::fs::read_to_string(path).unwrap());
            let allowed = NOT_YET_MOVED.iter().find(|(f, _)| *f == rel).map_or(0, |(_, n)| *n);
            if pairs.len() > allowed {
                refused.extend(pairs.iter().map(|p| format!("{rel}:{p}")));
            }
        }
        for path in &templates {
            let src = std::fs::read_to_string(path).unwrap();
            for (n, line) in src.lines().enumerate() {
                if line.contains(".pick(\"") {
                    refused.push(format!("{}:{}: pick", path.strip_prefix(&crates).unwrap().display(), n + 1));
                }
            }
        }
        assert!(refused.is_empty(), "text pairs written in code; give them keys in locales/*.toml:\n{}", refused.join("\n"));
    }
}
