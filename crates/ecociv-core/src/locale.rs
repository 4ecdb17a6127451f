//! The languages of ecociv and their text. Each file `locales/<tag>.toml` is a language, named
//! by its BCP 47 tag and compiled in by `build.rs`: zh-CN, the default everywhere and the text of
//! any key another file lacks; en; and any file added beside them. The locale is always passed
//! explicitly, never kept in process-global state.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Mutex, OnceLock};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

include!(concat!(env!("OUT_DIR"), "/locales.rs"));

/// A user-interface language: one of the compiled-in locale files. (De)serialized as its tag.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Locale(u8);

#[allow(non_upper_case_globals)]
impl Locale {
    /// zh-CN, the default.
    pub const Zh: Locale = Locale(0);
    /// English.
    pub const En: Locale = Locale(1);

    /// Every compiled-in locale, zh-CN first, en second.
    pub fn all() -> impl Iterator<Item = Locale> {
        (0..LOCALE_FILES.len()).map(|i| Locale(i as u8))
    }
    /// Reads a tag as people and browsers write it: a compiled-in tag in any case, `_` for `-`
    /// (`zh-CN`, `zh_cn`, `en`), else the locale sharing the most leading subtags with it
    /// (`zh`, `zh-Hans`, `en-US`, `mn-Mong` for a file `mn.toml`); anything else is `None`.
    pub fn parse(s: &str) -> Option<Locale> {
        best_match(LOCALE_FILES.iter().map(|f| f.0), s).map(|i| Locale(i as u8))
    }
    /// The BCP 47 tag: the name of the locale's file.
    pub fn tag(self) -> &'static str {
        LOCALE_FILES[self.0 as usize].0
    }
    /// The language's name in itself (`中文`, `English`), as the language switch shows it.
    pub fn native_name(self) -> &'static str {
        t(self, "locale.name")
    }
    /// Picks one of the two texts of a data field (a plan prints its names in Chinese and
    /// English only): zh-CN reads the first, every other locale the second.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        if self == Locale::Zh { zh } else { en }
    }
}

impl fmt::Debug for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Locale({})", self.tag())
    }
}

impl Serialize for Locale {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.tag())
    }
}

impl<'de> Deserialize<'de> for Locale {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Locale, D::Error> {
        let s = String::deserialize(d)?;
        Locale::parse(&s).ok_or_else(|| {
            let tags: Vec<&str> = Locale::all().map(Locale::tag).collect();
            serde::de::Error::custom(format!("{s:?} is not a language of ecociv ({})", tags.join(", ")))
        })
    }
}

/// The index of the tag of `tags` that `asked` names: the same tag (any case, `_` for `-`), else
/// the one sharing the most leading subtags with it, at least the language; the first of equals.
fn best_match<'a>(tags: impl Iterator<Item = &'a str>, asked: &str) -> Option<usize> {
    let asked = asked.trim().replace('_', "-").to_ascii_lowercase();
    let asked: Vec<&str> = asked.split('-').collect();
    let mut best: Option<(usize, usize)> = None;
    for (i, tag) in tags.enumerate() {
        let tag = tag.to_ascii_lowercase();
        let shared = tag.split('-').zip(&asked).take_while(|(a, b)| a == *b).count();
        if shared == asked.len() && shared == tag.split('-').count() {
            return Some(i);
        }
        if shared > 0 && best.is_none_or(|(n, _)| shared > n) {
            best = Some((shared, i));
        }
    }
    best.map(|(_, i)| i)
}

/// Reads a locale file: `"key" = "text"` lines.
fn load(src: &str) -> Result<HashMap<String, String>, toml::de::Error> {
    toml::from_str(src)
}

/// The texts of every locale, in the order of [`Locale::all`].
fn tables() -> &'static [HashMap<String, String>] {
    static TABLES: OnceLock<Vec<HashMap<String, String>>> = OnceLock::new();
    TABLES.get_or_init(|| LOCALE_FILES.iter().map(|(tag, src)| load(src).unwrap_or_else(|e| panic!("locales/{tag}.toml (tested): {e}"))).collect())
}

/// The text of `key` in the table `l`, else in zh-CN's (the first), which every other falls
/// back to.
fn lookup<'a>(tables: &'a [HashMap<String, String>], l: usize, key: &str) -> Option<&'a str> {
    tables[l].get(key).or_else(|| tables[0].get(key)).map(String::as_str)
}

/// The text of `key` in locale `l` (zh-CN's when `l` has none); the key itself when missing
/// (a test keeps that from happening). A missing key is kept once, however often it is asked for.
pub fn t(l: Locale, key: &str) -> &'static str {
    if let Some(s) = t_opt(l, key) {
        return s;
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

/// The text of `key` in locale `l` (zh-CN's when `l` has none), or `None` when there is none
/// (for keys made from data).
pub fn t_opt(l: Locale, key: &str) -> Option<&'static str> {
    lookup(tables(), l.0 as usize, key)
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

/// Every key of a locale's own file (for the tests that keep the files complete).
pub fn keys(l: Locale) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = tables()[l.0 as usize].keys().map(String::as_str).collect();
    v.sort_unstable();
    v
}

/// A text of the locale files that is written out when it is shown, in the language asked for
/// then: its key, and the value of each `{name}` placeholder — the same in every language (a
/// number, a name, what a file holds), itself such a text, or a list of either.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Text {
    key: Cow<'static, str>,
    args: Vec<(&'static str, Arg)>,
}

/// The value of a placeholder of a [`Text`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
enum Arg {
    Plain(String),
    Text(Text),
    /// Items joined by the text of a separator key (`list.separator`, `list.clause_separator`).
    List {
        items: Vec<Arg>,
        separator: &'static str,
    },
}

impl Arg {
    fn render(&self, l: Locale) -> String {
        match self {
            Arg::Plain(s) => s.clone(),
            Arg::Text(text) => text.render(l),
            Arg::List { items, separator } => items.iter().map(|i| i.render(l)).collect::<Vec<_>>().join(t(l, separator)),
        }
    }
}

impl Text {
    /// The text `key` (a key made from data, such as `error.<code>`, too).
    pub fn new(key: impl Into<Cow<'static, str>>) -> Text {
        Text { key: key.into(), args: Vec::new() }
    }
    /// The value of the placeholder `{name}` (or `{name:?}`), the same in every language.
    pub fn arg(mut self, name: &'static str, value: impl fmt::Display) -> Text {
        self.args.push((name, Arg::Plain(value.to_string())));
        self
    }
    /// The value of the placeholder `{name}`: another text, in the same language.
    pub fn text(mut self, name: &'static str, value: Text) -> Text {
        self.args.push((name, Arg::Text(value)));
        self
    }
    /// The items of the placeholder `{name}`, listed as the language lists things.
    pub fn list<S: AsRef<str>>(mut self, name: &'static str, items: impl IntoIterator<Item = S>) -> Text {
        let items = items.into_iter().map(|i| Arg::Plain(i.as_ref().to_string())).collect();
        self.args.push((name, Arg::List { items, separator: "list.separator" }));
        self
    }
    /// The texts of the placeholder `{name}`, listed as the language lists things.
    pub fn texts(mut self, name: &'static str, items: impl IntoIterator<Item = Text>) -> Text {
        self.args.push((name, Arg::List { items: items.into_iter().map(Arg::Text).collect(), separator: "list.separator" }));
        self
    }
    /// The texts of the placeholder `{name}`, each a clause of one sentence (`A；B`, `A; B`).
    pub fn clauses(mut self, name: &'static str, items: impl IntoIterator<Item = Text>) -> Text {
        self.args.push((name, Arg::List { items: items.into_iter().map(Arg::Text).collect(), separator: "list.clause_separator" }));
        self
    }
    /// The key of the text.
    pub fn key(&self) -> &str {
        &self.key
    }
    /// The text in a language, its placeholders filled.
    pub fn render(&self, l: Locale) -> String {
        let args: Vec<(&str, String)> = self.args.iter().map(|(name, a)| (*name, a.render(l))).collect();
        tf(l, &self.key, &args)
    }
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

    #[test]
    fn every_locale_file_reads_and_names_its_language() {
        assert_eq!((Locale::Zh.tag(), Locale::En.tag()), ("zh-CN", "en"));
        assert_eq!(Locale::all().next(), Some(Locale::default()));
        for l in Locale::all() {
            assert!(keys(l).contains(&"locale.name"), "locales/{}.toml names its language (locale.name)", l.tag());
        }
        assert_eq!((Locale::Zh.native_name(), Locale::En.native_name()), ("中文", "English"));
    }

    #[test]
    fn other_locales_have_only_keys_of_zh_cn() {
        let zh: HashSet<&str> = keys(Locale::Zh).into_iter().collect();
        for l in Locale::all().filter(|l| *l != Locale::Zh) {
            let unknown: Vec<&str> = keys(l).into_iter().filter(|k| !zh.contains(k)).collect();
            assert!(unknown.is_empty(), "locales/{}.toml has keys zh-CN.toml lacks: {unknown:?}", l.tag());
        }
    }

    #[test]
    fn tags_are_read_as_browsers_and_people_write_them() {
        for (asked, l) in
            [("zh-CN", Locale::Zh), ("zh", Locale::Zh), ("zh-Hans", Locale::Zh), ("zh_cn", Locale::Zh), (" EN ", Locale::En), ("en-US", Locale::En)]
        {
            assert_eq!(Locale::parse(asked), Some(l), "{asked}");
        }
        for asked in ["", "e", "english", "x-zh", "-en"] {
            assert_eq!(Locale::parse(asked), None, "{asked}");
        }
        assert_eq!(serde_json::to_string(&[Locale::Zh, Locale::En]).unwrap(), r#"["zh-CN","en"]"#);
        assert_eq!(serde_json::from_str::<Locale>(r#""en""#).unwrap(), Locale::En);
        assert!(serde_json::from_str::<Locale>(r#""tlh""#).is_err());
        assert_eq!(format!("{:?}", Locale::En), "Locale(en)");
        let (zh, en) = (String::from("中"), String::from("en"));
        assert_eq!((Locale::Zh.pick(&zh, &en), Locale::En.pick(&zh, &en)), ("中", "en"));
    }

    /// A third language is a file: read as the compiled-in files are, it shows its own texts,
    /// zh-CN's where it has none, and its tag is found from the longer tags browsers send.
    #[test]
    fn a_third_locale_is_a_file_and_falls_back_to_zh_cn() {
        let mn = load("\"locale.name\" = \"a third language\"\n\"nav.indicators\" = \"[mn] indicators\"\n").unwrap();
        let files: Vec<HashMap<String, String>> = LOCALE_FILES.iter().map(|(_, src)| load(src).unwrap()).take(2).chain([mn]).collect();
        assert_eq!(lookup(&files, 2, "nav.indicators"), Some("[mn] indicators"));
        assert_eq!(lookup(&files, 2, "nav.tasks"), Some(t(Locale::Zh, "nav.tasks")));
        assert_eq!(lookup(&files, 2, "no.such.key"), None);
        assert_eq!(lookup(&files, 1, "nav.tasks"), Some(t(Locale::En, "nav.tasks")));
        let tags = ["zh-CN", "en", "mn"];
        for (asked, i) in [("mn", Some(2)), ("mn-Mong", Some(2)), ("MN_mong_CN", Some(2)), ("zh-TW", Some(0)), ("en-GB", Some(1)), ("fr", None)] {
            assert_eq!(best_match(tags.into_iter(), asked), i, "{asked}");
        }
        assert_eq!(best_match(["zh-CN", "en", "zh-TW"].into_iter(), "zh-Hant-TW"), Some(0), "the language first, then the first of equals");
        assert_eq!(best_match(["zh-CN", "en", "zh-TW"].into_iter(), "zh-tw"), Some(2));
    }

    #[test]
    fn texts_are_written_in_the_language_asked_for_when_shown() {
        let reason = Text::new("reason.threshold").arg("value", 80).text("verb", Text::new("reason.does_not_meet")).arg("op", ">=").arg("threshold", "84.9");
        assert_eq!(reason.render(Locale::Zh), "值 80 不满足 目标 >= 84.9");
        assert_eq!(reason.render(Locale::En), "value 80 does not meet the target >= 84.9");
        let listed = Text::new("import.expected.one_of").texts("columns", [Text::new("col.value"), Text::new("import.year")]);
        assert_eq!(listed.render(Locale::Zh), format!("以下列名之一：{}、{}", t(Locale::Zh, "col.value"), t(Locale::Zh, "import.year")));
        assert_eq!(listed.render(Locale::En), format!("one of the columns {}, {}", t(Locale::En, "col.value"), t(Locale::En, "import.year")));
        let combined = Text::new("reason.combined").clauses("parts", [Text::new("reason.no_value"), Text::new("reason.baseline_row")]);
        assert_eq!(combined.render(Locale::En), "no observation for this year; baseline only, not judged");
        assert_eq!(combined.render(Locale::Zh), "该年度无监测值；基准值，不单独评判");
    }
}
