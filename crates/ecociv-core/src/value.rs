//! Observed values: a number in the indicator's unit, or a state word such as 建立 / 未建立.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Serialize;

/// A qualitative state word, normalized to its Chinese form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateWord {
    /// The positive Chinese word of the pair (建立 for both 建立 and 未建立).
    pub word: String,
    /// False for the negation (未建立, 明显, 未达标, …).
    pub positive: bool,
}

/// Pairs of (positive, negative) Chinese words, and English spellings of each.
const STATE_WORDS: &[(&str, &str, &[&str], &[&str])] = &[
    ("建立", "未建立", &["established", "built"], &["not established", "not_established", "not built"]),
    ("实施", "未实施", &["implemented"], &["not implemented", "not_implemented"]),
    ("制定实施", "未制定实施", &["formulated and implemented", "formulated_and_implemented", "formulated"], &["not formulated", "not_formulated"]),
    (
        "有效开展",
        "未有效开展",
        &["effectively carried out", "effectively_carried_out", "carried out"],
        &["not effectively carried out", "not_carried_out", "not carried out"],
    ),
    ("全面实施", "未全面实施", &["fully implemented", "fully_implemented"], &["not fully implemented", "not_fully_implemented"]),
    ("不明显", "明显", &["not significant", "not_significant", "insignificant"], &["significant"]),
    ("达标", "未达标", &["met", "compliant", "yes"], &["not met", "not_met", "non-compliant", "no"]),
    // words of the 2024 revision's targets
    ("开展", "未开展", &["conducted"], &["not conducted", "not_conducted"]),
    ("有效保障", "未有效保障", &["effectively ensured", "effectively_ensured"], &["not effectively ensured", "not_effectively_ensured"]),
];

impl StateWord {
    /// Reads a state word in Chinese or English; `None` when it is not one.
    pub fn parse(s: &str) -> Option<StateWord> {
        let t = s.trim();
        let lower = t.to_lowercase();
        for (pos, neg, en_pos, en_neg) in STATE_WORDS {
            if t == *pos || en_pos.contains(&lower.as_str()) {
                return Some(StateWord { word: (*pos).into(), positive: true });
            }
            if t == *neg || en_neg.contains(&lower.as_str()) || t == format!("不{pos}") {
                return Some(StateWord { word: (*pos).into(), positive: false });
            }
        }
        None
    }
    /// 达标 / 未达标 answer any state rule.
    pub fn is_generic(&self) -> bool {
        self.word == "达标"
    }
    /// The words a rule may require.
    pub fn positive_words() -> Vec<&'static str> {
        STATE_WORDS.iter().map(|w| w.0).collect()
    }
    /// The words a value of this rule may take: the word, its negation, 达标 / 未达标.
    pub fn accepted_values(&self) -> Vec<String> {
        let mut v = Vec::new();
        for (pos, neg, _, _) in STATE_WORDS {
            if *pos == self.word || *pos == "达标" {
                v.push((*pos).to_string());
                v.push((*neg).to_string());
            }
        }
        v
    }
    /// The negation of the word (未建立 for 建立).
    pub fn display_negative(&self) -> String {
        StateWord { word: self.word.clone(), positive: false }.display()
    }
    /// The word as written for people.
    pub fn display(&self) -> String {
        if self.positive {
            return self.word.clone();
        }
        STATE_WORDS.iter().find(|w| w.0 == self.word).map(|w| w.1.to_string()).unwrap_or_else(|| format!("非{}", self.word))
    }
}

/// An observed value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Number(#[serde(with = "rust_decimal::serde::str")] Decimal),
    State(StateWord),
}

/// Why a text is not a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a number or state word: {0:?}")]
pub struct ValueParseError(pub String);

impl Value {
    /// Reads a number (full-width digits, a trailing %, thousands separators accepted) or a
    /// state word.
    pub fn parse(s: &str) -> Result<Value, ValueParseError> {
        if let Some(n) = parse_number(s) {
            return Ok(Value::Number(n));
        }
        StateWord::parse(s).map(Value::State).ok_or_else(|| ValueParseError(s.to_string()))
    }
    pub fn number(&self) -> Option<Decimal> {
        match self {
            Value::Number(n) => Some(*n),
            Value::State(_) => None,
        }
    }
    /// The value as written for people.
    pub fn display(&self) -> String {
        match self {
            Value::Number(n) => n.normalize().to_string(),
            Value::State(w) => w.display(),
        }
    }
}

/// Full-width digits and signs as their ASCII forms, trimmed.
pub fn half_width(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' => '.',
            '－' | '−' => '-',
            '＋' => '+',
            '％' => '%',
            '，' => ',',
            c => c,
        })
        .collect()
}

/// Reads a decimal written by a person: full-width digits and signs, thousands separators
/// (`1,234.5`), a trailing `%`. Returns `None` for anything else.
pub fn parse_number(s: &str) -> Option<Decimal> {
    let mut t = half_width(s);
    if let Some(stripped) = t.strip_suffix('%') {
        t = stripped.trim_end().to_string();
    }
    if t.contains(',') {
        // thousands separators only: groups of three digits after the first
        let int_part = t.split('.').next().unwrap_or("");
        let groups: Vec<&str> = int_part.trim_start_matches(['-', '+']).split(',').collect();
        if groups.len() < 2 || groups[0].is_empty() || groups[0].len() > 3 || groups[1..].iter().any(|g| g.len() != 3) {
            return None;
        }
        t = t.replace(',', "");
    }
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-' || c == '+') {
        return None;
    }
    if t.contains('e') || t.contains('E') {
        return None;
    }
    Decimal::from_str(&t).ok()
}

/// The magnitude word a unit or a written amount starts with (万 = 10⁴, 亿 = 10⁸), and the rest.
fn magnitude(s: &str) -> (Decimal, &str) {
    if let Some(rest) = s.strip_prefix('亿') {
        (Decimal::from(100_000_000), rest)
    } else if let Some(rest) = s.strip_prefix('万') {
        (Decimal::from(10_000), rest)
    } else {
        (Decimal::ONE, s)
    }
}

/// Reads an amount in `unit` as a person writes it: what [`parse_number`] reads, optionally
/// followed by a unit word that is converted: `1.2亿` or `1.2亿元` in 万元 is 12000, `3500元`
/// is 0.35, `5万亩` in 亩 is 50000, the unit itself (`85 %`, `12 万元`) is dropped. A unit word of
/// another measure (`12 吨` for 万元) gives `None`; so does a bare 万 or 亿 where the unit is not
/// money (`35万` μg/m³ is a slip, not 350000), and a `%` where the unit is not one.
pub fn parse_quantity(s: &str, unit: &str) -> Option<Decimal> {
    let t = half_width(s);
    let unit = unit.trim();
    if t.ends_with('%') && unit != "%" {
        return None;
    }
    let split = t.char_indices().rev().take_while(|(_, c)| !(c.is_ascii_digit() || *c == '.' || *c == '%')).last().map(|(i, _)| i).unwrap_or(t.len());
    let (number, word) = (t[..split].trim(), t[split..].trim());
    let n = parse_number(number)?;
    if word.is_empty() {
        return Some(n);
    }
    let (word_mag, word_base) = magnitude(word);
    let (unit_mag, unit_base) = magnitude(unit);
    let money = unit_base == "元";
    match (word_base.is_empty(), word_base == unit_base) {
        // 万/亿 alone: an amount of money
        (true, _) if !money => return None,
        // a unit word: the unit's own measure
        (false, false) => return None,
        _ => {}
    }
    Some(n * word_mag / unit_mag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_with_magnitude_words() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(parse_quantity("1.2亿", "万元"), Some(d("12000")));
        assert_eq!(parse_quantity("１．２亿元", "万元"), Some(d("12000")));
        assert_eq!(parse_quantity("3,500元", "万元"), Some(d("0.35")));
        assert_eq!(parse_quantity("12 万元", "万元"), Some(d("12")));
        assert_eq!(parse_quantity("500万", "万元"), Some(d("500")));
        assert_eq!(parse_quantity("5万亩", "亩"), Some(d("50000")));
        assert_eq!(parse_quantity("5万", "亩"), None, "a bare 万 only for money");
        assert_eq!(parse_quantity("35万", "μg/m³"), None);
        assert_eq!(parse_quantity("1万", "吨/万元"), None);
        assert_eq!(parse_quantity("35 μg/m³", "μg/m³"), Some(d("35")));
        assert_eq!(parse_quantity("45%", "万元"), None, "a percentage where the unit is not one");
        assert_eq!(parse_quantity("0.0001亿", "%"), None);
        assert_eq!(parse_quantity("85%", "%"), Some(d("85")));
        assert_eq!(parse_quantity("12", "万元"), Some(d("12")));
        assert_eq!(parse_quantity("12 吨", "万元"), None);
        assert_eq!(parse_quantity("亿", "万元"), None);
        assert_eq!(parse_quantity("1.2亿亿", "万元"), None);
    }

    #[test]
    fn numbers_people_write() {
        assert_eq!(parse_number("84.9"), Some(Decimal::new(849, 1)));
        assert_eq!(parse_number("８４．９"), Some(Decimal::new(849, 1)));
        assert_eq!(parse_number("84.9%"), Some(Decimal::new(849, 1)));
        assert_eq!(parse_number("1,234.5"), Some(Decimal::new(12345, 1)));
        assert_eq!(parse_number("-0.5"), Some(Decimal::new(-5, 1)));
        assert_eq!(parse_number("12,34"), None);
        assert_eq!(parse_number("abc"), None);
        assert_eq!(parse_number(""), None);
        assert_eq!(parse_number("1e5"), None);
    }

    #[test]
    fn state_words_both_languages() {
        assert_eq!(Value::parse("建立").unwrap(), Value::State(StateWord { word: "建立".into(), positive: true }));
        assert_eq!(Value::parse("未建立").unwrap(), Value::State(StateWord { word: "建立".into(), positive: false }));
        assert_eq!(Value::parse("Not Established").unwrap(), Value::State(StateWord { word: "建立".into(), positive: false }));
        assert_eq!(Value::parse("明显").unwrap(), Value::State(StateWord { word: "不明显".into(), positive: false }));
        assert_eq!(Value::parse("不明显").unwrap(), Value::State(StateWord { word: "不明显".into(), positive: true }));
        assert_eq!(Value::parse("未达标").unwrap().display(), "未达标");
        assert!(Value::parse("good").is_err());
    }
}
