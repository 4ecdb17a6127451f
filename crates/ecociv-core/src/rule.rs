//! The target-rule language: one short string per target, parsed into a [`Rule`] and
//! evaluated on exact decimals.
//!
//! Grammar (keywords are ASCII; `≥`/`≤` are accepted for `>=`/`<=`):
//!
//! ```text
//! rule    := and ( "or" and )*
//! and     := unary ( "and" unary )*
//! unary   := "(" rule ")" | atom
//! atom    := OP operand                      threshold:   ">= 84.9", "<= 34", "= 0", ">= upper_target"
//!          | "state" WORD                    qualitative: "state 建立"
//!          | "decline_from" YEAR OP NUM "%"  change against a base year: "decline_from 2020 >= 12%"
//!          | "increase_from" YEAR OP NUM "%"
//!          | "delta" OP NUM                  change against the previous observed year, in the unit
//!          | "not_decreasing" | "not_increasing" | "decreasing" | "increasing" | "improving"
//!          | "all_parts"                     a composite indicator: every sub-indicator met
//! OP      := ">=" | "<=" | ">" | "<" | "="
//! operand := NUM ["%"] | "upper_target"
//! ```
//!
//! `upper_target` is the value assigned from above each year (自治区下达的目标).
//! `improving` reads the rule's [`Direction`]. Trend rules compare with the latest earlier
//! observation; the first observation of a series is only a baseline (`not_applicable`).

use std::collections::BTreeMap;
use std::fmt;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::locale::{Locale, Text, t};
use crate::value::{StateWord, Value};

/// Comparison operators of thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Op {
    Ge,
    Le,
    Gt,
    Lt,
    Eq,
}

impl Op {
    fn holds(self, left: Decimal, right: Decimal) -> bool {
        match self {
            Op::Ge => left >= right,
            Op::Le => left <= right,
            Op::Gt => left > right,
            Op::Lt => left < right,
            Op::Eq => left == right,
        }
    }
    /// The operator's name in the locale files' keys.
    fn name(self) -> &'static str {
        match self {
            Op::Ge => "ge",
            Op::Le => "le",
            Op::Gt => "gt",
            Op::Lt => "lt",
            Op::Eq => "eq",
        }
    }
    fn symbol(self) -> &'static str {
        match self {
            Op::Ge => ">=",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Lt => "<",
            Op::Eq => "=",
        }
    }
}

/// The right-hand side of a threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Operand {
    Number(Decimal),
    UpperTarget,
}

/// Trend words: the value compared with the latest earlier observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Trend {
    NotDecreasing,
    NotIncreasing,
    Decreasing,
    Increasing,
    Improving,
}

/// Which way is better for an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
}

/// One node of a parsed rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Expr {
    Threshold(Op, Operand),
    State(StateWord),
    /// Decline against a base year, in percent of the base value.
    DeclineFrom {
        base_year: i32,
        op: Op,
        percent: Decimal,
    },
    /// Increase against a base year, in percent of the base value.
    IncreaseFrom {
        base_year: i32,
        op: Op,
        percent: Decimal,
    },
    /// Change against the previous observation, in the indicator's unit.
    Delta(Op, Decimal),
    Trend(Trend),
    AllParts,
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

/// What kind of value a rule judges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueKind {
    Number,
    /// A state word: the rule's word or its negation (达标/未达标 are accepted for any).
    State(StateWord),
    /// Composite indicators are judged through their parts and take no value of their own.
    Parts,
}

/// A parsed target rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub text: String,
    pub expr: Expr,
}

/// One node of a rule in words (`rule.words.*` of the locale files).
fn words(e: &Expr, l: Locale) -> String {
    let op = |o: &Op| t(l, &format!("rule.words.op.{}", o.name())).to_string();
    let plain = |d: &Decimal| d.normalize().to_string();
    match e {
        Expr::Threshold(o, Operand::Number(n)) => format!("{}{}", op(o), plain(n)),
        Expr::Threshold(o, Operand::UpperTarget) => format!("{}{}", op(o), t(l, "rule.words.upper_target")),
        Expr::State(w) => w.word.clone(),
        Expr::DeclineFrom { base_year, op: o, percent } => {
            crate::locale::tf(l, "rule.words.decline_from", &[("year", base_year.to_string()), ("op", op(o)), ("percent", plain(percent))])
        }
        Expr::IncreaseFrom { base_year, op: o, percent } => {
            crate::locale::tf(l, "rule.words.increase_from", &[("year", base_year.to_string()), ("op", op(o)), ("percent", plain(percent))])
        }
        Expr::Delta(o, d) => crate::locale::tf(l, "rule.words.delta", &[("op", op(o)), ("amount", plain(d))]),
        Expr::Trend(tr) => t(l, &format!("rule.words.trend.{tr:?}")).to_string(),
        Expr::AllParts => t(l, "rule.words.all_parts").to_string(),
        Expr::And(v) => v.iter().map(|x| words(x, l)).collect::<Vec<_>>().join(t(l, "rule.words.and")),
        Expr::Or(v) => v.iter().map(|x| words(x, l)).collect::<Vec<_>>().join(t(l, "rule.words.or")),
    }
}

/// A parse error, positioned on the rule text (1-based character column).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: found {found:?}, expected {expected}")]
pub struct RuleParseError {
    pub column: usize,
    pub found: String,
    pub expected: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Op(Op),
    Num(Decimal),
    Percent,
    LParen,
    RParen,
    Word(String),
}

#[derive(Debug, Clone)]
struct Spanned {
    tok: Tok,
    column: usize,
    text: String,
}

fn lex(text: &str) -> Result<Vec<Spanned>, RuleParseError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let single = |tok: Tok| Spanned { tok, column, text: c.to_string() };
        match c {
            '(' | '（' => {
                out.push(single(Tok::LParen));
                i += 1;
            }
            ')' | '）' => {
                out.push(single(Tok::RParen));
                i += 1;
            }
            '%' | '％' => {
                out.push(single(Tok::Percent));
                i += 1;
            }
            '≥' => {
                out.push(single(Tok::Op(Op::Ge)));
                i += 1;
            }
            '≤' => {
                out.push(single(Tok::Op(Op::Le)));
                i += 1;
            }
            '>' | '<' | '=' => {
                let eq_next = chars.get(i + 1) == Some(&'=');
                let (op, len) = match (c, eq_next) {
                    ('>', true) => (Op::Ge, 2),
                    ('<', true) => (Op::Le, 2),
                    ('>', false) => (Op::Gt, 1),
                    ('<', false) => (Op::Lt, 1),
                    ('=', true) => (Op::Eq, 2),
                    _ => (Op::Eq, 1),
                };
                out.push(Spanned { tok: Tok::Op(op), column, text: chars[i..i + len].iter().collect() });
                i += len;
            }
            c if c.is_ascii_digit() || ((c == '-' || c == '+') && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())) => {
                let start = i;
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                let s: String = chars[start..i].iter().collect();
                let n = s.parse::<Decimal>().map_err(|_| RuleParseError { column, found: s.clone(), expected: "a number".into() })?;
                out.push(Spanned { tok: Tok::Num(n), column, text: s });
            }
            c if c.is_alphanumeric() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let s: String = chars[start..i].iter().collect();
                out.push(Spanned { tok: Tok::Word(s.clone()), column, text: s });
            }
            other => {
                return Err(RuleParseError { column, found: other.to_string(), expected: "an operator, a number, a keyword or a parenthesis".into() });
            }
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Spanned>,
    pos: usize,
    end_column: usize,
}

const ATOM_EXPECTED: &str = "a comparison (>= <= > < =), state, decline_from, increase_from, delta, \
not_decreasing, not_increasing, decreasing, increasing, improving, all_parts or (";

impl Parser {
    fn peek(&self) -> Option<&Spanned> {
        self.toks.get(self.pos)
    }
    fn err(&self, expected: &str) -> RuleParseError {
        match self.peek() {
            Some(t) => RuleParseError { column: t.column, found: t.text.clone(), expected: expected.into() },
            None => RuleParseError { column: self.end_column, found: "end of rule".into(), expected: expected.into() },
        }
    }
    fn next(&mut self) -> Option<Spanned> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Spanned { tok: Tok::Word(x), .. }) if x == w)
    }
    fn expr(&mut self) -> Result<Expr, RuleParseError> {
        let mut parts = vec![self.and()?];
        while self.is_word("or") {
            self.pos += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 { parts.pop().expect("one part") } else { Expr::Or(parts) })
    }
    fn and(&mut self) -> Result<Expr, RuleParseError> {
        let mut parts = vec![self.unary()?];
        while self.is_word("and") {
            self.pos += 1;
            parts.push(self.unary()?);
        }
        Ok(if parts.len() == 1 { parts.pop().expect("one part") } else { Expr::And(parts) })
    }
    fn unary(&mut self) -> Result<Expr, RuleParseError> {
        if matches!(self.peek(), Some(Spanned { tok: Tok::LParen, .. })) {
            self.pos += 1;
            let e = self.expr()?;
            match self.peek() {
                Some(Spanned { tok: Tok::RParen, .. }) => {
                    self.pos += 1;
                    Ok(e)
                }
                _ => Err(self.err(")")),
            }
        } else {
            self.atom()
        }
    }
    fn op(&mut self) -> Result<Op, RuleParseError> {
        match self.peek() {
            Some(Spanned { tok: Tok::Op(op), .. }) => {
                let op = *op;
                self.pos += 1;
                Ok(op)
            }
            _ => Err(self.err("a comparison operator (>= <= > < =)")),
        }
    }
    fn number(&mut self) -> Result<Decimal, RuleParseError> {
        match self.peek() {
            Some(Spanned { tok: Tok::Num(n), .. }) => {
                let n = *n;
                self.pos += 1;
                Ok(n)
            }
            _ => Err(self.err("a number")),
        }
    }
    fn optional_percent(&mut self) -> bool {
        if matches!(self.peek(), Some(Spanned { tok: Tok::Percent, .. })) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn atom(&mut self) -> Result<Expr, RuleParseError> {
        let Some(t) = self.peek().cloned() else {
            return Err(self.err(ATOM_EXPECTED));
        };
        match t.tok {
            Tok::Op(op) => {
                self.pos += 1;
                if self.is_word("upper_target") {
                    self.pos += 1;
                    return Ok(Expr::Threshold(op, Operand::UpperTarget));
                }
                let n = self.number().map_err(|_| self.err("a number or upper_target"))?;
                self.optional_percent();
                Ok(Expr::Threshold(op, Operand::Number(n)))
            }
            Tok::Word(w) => {
                self.pos += 1;
                match w.as_str() {
                    "state" => match self.next() {
                        Some(Spanned { tok: Tok::Word(s), column, text }) => match StateWord::parse(&s) {
                            Some(word) if word.positive => Ok(Expr::State(word)),
                            _ => Err(RuleParseError {
                                column,
                                found: text,
                                expected: format!("a positive state word ({})", StateWord::positive_words().join(", ")),
                            }),
                        },
                        _ => {
                            self.pos -= 1;
                            Err(self.err("a state word"))
                        }
                    },
                    "decline_from" | "increase_from" => {
                        let year_tok = self.peek().cloned();
                        let year = self.number()?;
                        if !year.fract().is_zero() || year < Decimal::from(1900) || year > Decimal::from(2200) {
                            let t = year_tok.expect("a number was read");
                            return Err(RuleParseError { column: t.column, found: t.text, expected: "a year".into() });
                        }
                        let base_year = i32::try_from(year.trunc().mantissa()).unwrap_or(0);
                        let op = self.op()?;
                        let percent = self.number()?;
                        if !self.optional_percent() {
                            return Err(self.err("%"));
                        }
                        Ok(if w == "decline_from" { Expr::DeclineFrom { base_year, op, percent } } else { Expr::IncreaseFrom { base_year, op, percent } })
                    }
                    "delta" => {
                        let op = self.op()?;
                        let n = self.number()?;
                        Ok(Expr::Delta(op, n))
                    }
                    "not_decreasing" => Ok(Expr::Trend(Trend::NotDecreasing)),
                    "not_increasing" => Ok(Expr::Trend(Trend::NotIncreasing)),
                    "decreasing" => Ok(Expr::Trend(Trend::Decreasing)),
                    "increasing" => Ok(Expr::Trend(Trend::Increasing)),
                    "improving" => Ok(Expr::Trend(Trend::Improving)),
                    "all_parts" => Ok(Expr::AllParts),
                    _ => {
                        self.pos -= 1;
                        Err(self.err(ATOM_EXPECTED))
                    }
                }
            }
            _ => Err(self.err(ATOM_EXPECTED)),
        }
    }
}

impl Rule {
    /// Parses a rule string; errors carry the 1-based column of the offending token.
    pub fn parse(text: &str) -> Result<Rule, RuleParseError> {
        let toks = lex(text)?;
        let mut p = Parser { toks, pos: 0, end_column: text.chars().count() + 1 };
        let expr = p.expr()?;
        if p.peek().is_some() {
            return Err(p.err("and, or, or the end of the rule"));
        }
        let rule = Rule { text: text.to_string(), expr };
        if rule.mixes_states_and_numbers() {
            return Err(RuleParseError { column: 1, found: text.to_string(), expected: "a rule that judges either a number or a state word, not both".into() });
        }
        Ok(rule)
    }

    fn mixes_states_and_numbers(&self) -> bool {
        let mut states = 0;
        let mut others = 0;
        walk(&self.expr, &mut |e| match e {
            Expr::State(_) => states += 1,
            Expr::And(_) | Expr::Or(_) => {}
            _ => others += 1,
        });
        states > 0 && others > 0
    }

    /// The rule in words, as the pages show it (the rule's code stays on a details line).
    pub fn in_words(&self, l: Locale) -> String {
        words(&self.expr, l)
    }

    /// What kind of value this rule judges.
    pub fn value_kind(&self) -> ValueKind {
        let mut kind = ValueKind::Number;
        walk(&self.expr, &mut |e| match e {
            Expr::State(w) => kind = ValueKind::State(w.clone()),
            Expr::AllParts => kind = ValueKind::Parts,
            _ => {}
        });
        kind
    }

    /// Which way is better, as the rule implies (None for state rules, `improving` alone
    /// and composite rules).
    pub fn direction(&self) -> Option<Direction> {
        let mut dir = None;
        walk(&self.expr, &mut |e| {
            if dir.is_some() {
                return;
            }
            dir = match e {
                Expr::Threshold(Op::Ge | Op::Gt, _) => Some(Direction::HigherIsBetter),
                Expr::Threshold(Op::Le | Op::Lt, _) => Some(Direction::LowerIsBetter),
                Expr::Threshold(Op::Eq, Operand::Number(n)) if n.is_zero() => Some(Direction::LowerIsBetter),
                Expr::Threshold(Op::Eq, _) => Some(Direction::HigherIsBetter),
                Expr::DeclineFrom { .. } => Some(Direction::LowerIsBetter),
                Expr::IncreaseFrom { .. } => Some(Direction::HigherIsBetter),
                Expr::Delta(Op::Ge | Op::Gt, _) => Some(Direction::HigherIsBetter),
                Expr::Delta(Op::Le | Op::Lt, _) => Some(Direction::LowerIsBetter),
                Expr::Trend(Trend::NotDecreasing | Trend::Increasing) => Some(Direction::HigherIsBetter),
                Expr::Trend(Trend::NotIncreasing | Trend::Decreasing) => Some(Direction::LowerIsBetter),
                _ => None,
            }
        });
        dir
    }

    /// The base years the rule reads (their rows are baselines, not judged).
    pub fn base_years(&self) -> Vec<i32> {
        let mut years = Vec::new();
        walk(&self.expr, &mut |e| {
            if let Expr::DeclineFrom { base_year, .. } | Expr::IncreaseFrom { base_year, .. } = e {
                years.push(*base_year);
            }
        });
        years
    }

    /// True when the rule needs a target assigned from above.
    pub fn needs_upper_target(&self) -> bool {
        let mut needs = false;
        walk(&self.expr, &mut |e| {
            if matches!(e, Expr::Threshold(_, Operand::UpperTarget)) {
                needs = true;
            }
        });
        needs
    }

    /// Evaluates the rule for `year` on a series of observations.
    pub fn evaluate(&self, input: &EvalInput<'_>) -> Verdict {
        eval(&self.expr, input, self.direction())
    }
}

fn walk(e: &Expr, f: &mut impl FnMut(&Expr)) {
    f(e);
    if let Expr::And(v) | Expr::Or(v) = e {
        for x in v {
            walk(x, f);
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Threshold(op, Operand::Number(n)) => write!(f, "{} {}", op.symbol(), n),
            Expr::Threshold(op, Operand::UpperTarget) => write!(f, "{} upper_target", op.symbol()),
            Expr::State(w) => write!(f, "state {}", w.word),
            Expr::DeclineFrom { base_year, op, percent } => write!(f, "decline_from {base_year} {} {percent}%", op.symbol()),
            Expr::IncreaseFrom { base_year, op, percent } => write!(f, "increase_from {base_year} {} {percent}%", op.symbol()),
            Expr::Delta(op, n) => write!(f, "delta {} {}", op.symbol(), n),
            Expr::Trend(t) => f.write_str(match t {
                Trend::NotDecreasing => "not_decreasing",
                Trend::NotIncreasing => "not_increasing",
                Trend::Decreasing => "decreasing",
                Trend::Increasing => "increasing",
                Trend::Improving => "improving",
            }),
            Expr::AllParts => f.write_str("all_parts"),
            Expr::And(v) | Expr::Or(v) => {
                let sep = if matches!(self, Expr::And(_)) { " and " } else { " or " };
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(sep)?;
                    }
                    if matches!(x, Expr::And(_) | Expr::Or(_)) {
                        write!(f, "({x})")?;
                    } else {
                        write!(f, "{x}")?;
                    }
                }
                Ok(())
            }
        }
    }
}

/// The verdict words of GLOSSARY.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Met,
    NotMet,
    NoData,
    TargetNotSet,
    NotApplicable,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::NotMet => "not_met",
            Status::NoData => "no_data",
            Status::TargetNotSet => "target_not_set",
            Status::NotApplicable => "not_applicable",
        }
    }
    pub fn label(self, locale: Locale) -> &'static str {
        t(
            locale,
            match self {
                Status::Met => "status.met",
                Status::NotMet => "status.not_met",
                Status::NoData => "status.no_data",
                Status::TargetNotSet => "status.target_not_set",
                Status::NotApplicable => "status.not_applicable",
            },
        )
    }
}

/// Why a verdict came out as it did: a stable code plus the figures, rendered per locale.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Reason {
    /// Value compared with a threshold.
    Threshold {
        value: Decimal,
        op: String,
        threshold: Decimal,
        holds: bool,
    },
    /// Value compared with the target assigned from above.
    UpperTarget {
        value: Decimal,
        op: String,
        target: Decimal,
        holds: bool,
    },
    UpperTargetMissing,
    State {
        value: String,
        expected: String,
        holds: bool,
    },
    /// Change against a base year, in percent.
    Change {
        base_year: i32,
        base: Decimal,
        value: Decimal,
        percent: Decimal,
        op: String,
        required: Decimal,
        decline: bool,
        holds: bool,
    },
    BaseMissing {
        base_year: i32,
    },
    BaseNotPositive {
        base_year: i32,
    },
    BaselineRow,
    /// Compared with the previous observation.
    Trend {
        previous_year: i32,
        previous: Decimal,
        value: Decimal,
        expected: String,
        holds: bool,
    },
    Delta {
        previous_year: i32,
        previous: Decimal,
        value: Decimal,
        delta: Decimal,
        op: String,
        required: Decimal,
        holds: bool,
    },
    DirectionUnknown,
    NoValue,
    WrongKind {
        expected: String,
    },
    Parts {
        met: usize,
        total: usize,
    },
    Combined {
        parts: Vec<Reason>,
    },
    /// The target applies only up to a rate, and the rate is above it (22: rate above 60%).
    RateAboveLimit {
        rate: Decimal,
        limit: Decimal,
    },
}

/// The result of evaluating a rule for one year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub status: Status,
    pub reason: Reason,
}

impl Verdict {
    fn new(status: Status, reason: Reason) -> Self {
        Verdict { status, reason }
    }
    /// A stable code for the reason (`threshold`, `base_missing`, …).
    pub fn reason_code(&self) -> &'static str {
        self.reason.code()
    }
}

/// What a rule is evaluated on.
#[derive(Debug, Clone, Default)]
pub struct EvalInput<'a> {
    pub year: i32,
    /// Every observation of the series (same indicator and region), by year.
    pub series: Option<&'a BTreeMap<i32, Value>>,
    /// The target assigned from above for `year`, if any.
    pub upper_target: Option<Decimal>,
    /// Statuses of the sub-indicators for `year` (composite indicators).
    pub parts: Vec<Status>,
    /// Direction declared by the indicator, overriding what the rule implies.
    pub direction: Option<Direction>,
}

impl<'a> EvalInput<'a> {
    pub fn new(year: i32, series: &'a BTreeMap<i32, Value>) -> Self {
        EvalInput { year, series: Some(series), ..Default::default() }
    }
    fn value(&self) -> Option<&Value> {
        self.series.and_then(|s| s.get(&self.year))
    }
    fn number_at(&self, year: i32) -> Option<Decimal> {
        self.series.and_then(|s| s.get(&year)).and_then(Value::number)
    }
    fn previous(&self) -> Option<(i32, Decimal)> {
        self.series?.range(..self.year).rev().find_map(|(y, v)| v.number().map(|n| (*y, n)))
    }
}

fn eval(e: &Expr, input: &EvalInput<'_>, rule_dir: Option<Direction>) -> Verdict {
    use Status::*;
    if let Expr::AllParts = e {
        let total = input.parts.len();
        let met = input.parts.iter().filter(|s| **s == Met).count();
        let status = if total == 0 { NoData } else { combine_and(&input.parts) };
        return Verdict::new(status, Reason::Parts { met, total });
    }
    if let Expr::And(v) | Expr::Or(v) = e {
        let verdicts: Vec<Verdict> = v.iter().map(|x| eval(x, input, rule_dir)).collect();
        let statuses: Vec<Status> = verdicts.iter().map(|v| v.status).collect();
        let status = if matches!(e, Expr::And(_)) { combine_and(&statuses) } else { combine_or(&statuses) };
        return Verdict::new(status, Reason::Combined { parts: verdicts.into_iter().map(|v| v.reason).collect() });
    }
    let Some(value) = input.value() else {
        return Verdict::new(NoData, Reason::NoValue);
    };
    if let Expr::State(expected) = e {
        return match value {
            Value::State(w) => {
                let holds = w.positive && (w.word == expected.word || w.is_generic());
                Verdict::new(if holds { Met } else { NotMet }, Reason::State { value: w.display(), expected: expected.word.clone(), holds })
            }
            Value::Number(_) => Verdict::new(NoData, Reason::WrongKind { expected: "state".into() }),
        };
    }
    let Some(v) = value.number() else {
        return Verdict::new(NoData, Reason::WrongKind { expected: "number".into() });
    };
    let yes = |b: bool| if b { Met } else { NotMet };
    match e {
        Expr::Threshold(op, Operand::Number(t)) => {
            let holds = op.holds(v, *t);
            Verdict::new(yes(holds), Reason::Threshold { value: v, op: op.symbol().into(), threshold: *t, holds })
        }
        Expr::Threshold(op, Operand::UpperTarget) => match input.upper_target {
            None => Verdict::new(TargetNotSet, Reason::UpperTargetMissing),
            Some(t) => {
                let holds = op.holds(v, t);
                Verdict::new(yes(holds), Reason::UpperTarget { value: v, op: op.symbol().into(), target: t, holds })
            }
        },
        Expr::DeclineFrom { base_year, op, percent } | Expr::IncreaseFrom { base_year, op, percent } => {
            let decline = matches!(e, Expr::DeclineFrom { .. });
            if input.year <= *base_year {
                return Verdict::new(NotApplicable, Reason::BaselineRow);
            }
            let Some(base) = input.number_at(*base_year) else {
                return Verdict::new(NoData, Reason::BaseMissing { base_year: *base_year });
            };
            if base <= Decimal::ZERO {
                return Verdict::new(NoData, Reason::BaseNotPositive { base_year: *base_year });
            }
            // change% op required  <=>  change * 100 op required * base (base > 0): no rounding.
            let change = if decline { base - v } else { v - base };
            let holds = op.holds(change * Decimal::ONE_HUNDRED, *percent * base);
            let shown = (change * Decimal::ONE_HUNDRED / base).round_dp(4).normalize();
            Verdict::new(
                yes(holds),
                Reason::Change { base_year: *base_year, base, value: v, percent: shown, op: op.symbol().into(), required: *percent, decline, holds },
            )
        }
        Expr::Delta(op, required) => match input.previous() {
            None => Verdict::new(NotApplicable, Reason::BaselineRow),
            Some((py, p)) => {
                let delta = v - p;
                let holds = op.holds(delta, *required);
                Verdict::new(yes(holds), Reason::Delta { previous_year: py, previous: p, value: v, delta, op: op.symbol().into(), required: *required, holds })
            }
        },
        Expr::Trend(t) => {
            let Some((py, p)) = input.previous() else {
                return Verdict::new(NotApplicable, Reason::BaselineRow);
            };
            let (holds, expected) = match t {
                Trend::NotDecreasing => (v >= p, "not_decreasing"),
                Trend::NotIncreasing => (v <= p, "not_increasing"),
                Trend::Decreasing => (v < p, "decreasing"),
                Trend::Increasing => (v > p, "increasing"),
                Trend::Improving => match input.direction.or(rule_dir) {
                    Some(Direction::HigherIsBetter) => (v > p, "increasing"),
                    Some(Direction::LowerIsBetter) => (v < p, "decreasing"),
                    None => return Verdict::new(NoData, Reason::DirectionUnknown),
                },
            };
            Verdict::new(yes(holds), Reason::Trend { previous_year: py, previous: p, value: v, expected: expected.into(), holds })
        }
        Expr::State(_) | Expr::AllParts | Expr::And(_) | Expr::Or(_) => unreachable!("handled above"),
    }
}

/// `and`: a failed part fails the whole; a part without data leaves it open; parts that are
/// not applicable (a baseline row) do not count.
fn combine_and(s: &[Status]) -> Status {
    use Status::*;
    for worst in [NotMet, NoData, TargetNotSet] {
        if s.contains(&worst) {
            return worst;
        }
    }
    if s.contains(&Met) { Met } else { NotApplicable }
}

/// `or`: one part met is enough; it fails only when some part failed and none is open.
fn combine_or(s: &[Status]) -> Status {
    use Status::*;
    if s.contains(&Met) {
        return Met;
    }
    for open in [NoData, TargetNotSet] {
        if s.contains(&open) {
            return open;
        }
    }
    if s.contains(&NotMet) { NotMet } else { NotApplicable }
}

impl Reason {
    /// The stable code of this reason.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::Threshold { .. } => "threshold",
            Reason::UpperTarget { .. } => "upper_target",
            Reason::UpperTargetMissing => "upper_target_missing",
            Reason::State { .. } => "state",
            Reason::Change { .. } => "change_from_base",
            Reason::BaseMissing { .. } => "base_missing",
            Reason::BaseNotPositive { .. } => "base_not_positive",
            Reason::BaselineRow => "baseline_row",
            Reason::Trend { .. } => "trend",
            Reason::Delta { .. } => "delta",
            Reason::DirectionUnknown => "direction_unknown",
            Reason::NoValue => "no_value",
            Reason::WrongKind { .. } => "wrong_kind",
            Reason::Parts { .. } => "parts",
            Reason::Combined { .. } => "combined",
            Reason::RateAboveLimit { .. } => "rate_above_limit",
        }
    }

    /// A sentence for people, in the given locale.
    pub fn message(&self, l: Locale) -> String {
        self.text().render(l)
    }

    /// The sentence, as a text of the locale files (`reason.*`).
    pub fn text(&self) -> Text {
        let verb = |holds: bool| Text::new(if holds { "reason.meets" } else { "reason.does_not_meet" });
        match self {
            Reason::Threshold { value, op, threshold, holds } => {
                Text::new("reason.threshold").arg("value", value).text("verb", verb(*holds)).arg("op", op).arg("threshold", threshold)
            }
            Reason::UpperTarget { value, op, target, holds } => {
                Text::new("reason.upper_target").arg("value", value).text("verb", verb(*holds)).arg("op", op).arg("target", target)
            }
            Reason::UpperTargetMissing => Text::new("reason.upper_target_missing"),
            Reason::State { value, expected, holds } => Text::new("reason.state").arg("value", value).text("verb", verb(*holds)).arg("expected", expected),
            Reason::Change { base_year, base, value, percent, op, required, decline, holds } => Text::new("reason.change")
                .arg("base_year", base_year)
                .arg("base", base)
                .text("what", Text::new(if *decline { "reason.decline" } else { "reason.increase" }))
                .arg("percent", percent)
                .arg("value", value)
                .text("verb", verb(*holds))
                .arg("op", op)
                .arg("required", required),
            Reason::BaseMissing { base_year } => Text::new("reason.base_missing").arg("base_year", base_year),
            Reason::BaseNotPositive { base_year } => Text::new("reason.base_not_positive").arg("base_year", base_year),
            Reason::BaselineRow => Text::new("reason.baseline_row"),
            Reason::Trend { previous_year, previous, value, expected, holds } => Text::new("reason.trend")
                .arg("value", value)
                .arg("previous_year", previous_year)
                .arg("previous", previous)
                .text("verb", verb(*holds))
                .text("expected", Text::new(format!("reason.trend.{expected}"))),
            Reason::Delta { previous_year, previous, value, delta, op, required, holds } => Text::new("reason.delta")
                .arg("value", value)
                .arg("previous_year", previous_year)
                .arg("previous", previous)
                .arg("delta", delta)
                .text("verb", verb(*holds))
                .arg("op", op)
                .arg("required", required),
            Reason::DirectionUnknown => Text::new("reason.direction_unknown"),
            Reason::NoValue => Text::new("reason.no_value"),
            Reason::WrongKind { expected } => {
                Text::new("reason.wrong_kind").text("expected", Text::new(if expected == "state" { "reason.kind.state" } else { "reason.kind.number" }))
            }
            Reason::Parts { met, total } => Text::new("reason.parts").arg("met", met).arg("total", total),
            Reason::RateAboveLimit { rate, limit } => Text::new("reason.rate_above_limit").arg("rate", rate).arg("limit", limit),
            Reason::Combined { parts } => Text::new("reason.combined").clauses("parts", parts.iter().map(Reason::text)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }
    fn series(rows: &[(i32, &str)]) -> BTreeMap<i32, Value> {
        rows.iter().map(|(y, v)| (*y, Value::parse(v).unwrap())).collect()
    }
    fn status(rule: &str, year: i32, rows: &[(i32, &str)]) -> Status {
        let r = Rule::parse(rule).unwrap();
        let s = series(rows);
        r.evaluate(&EvalInput::new(year, &s)).status
    }
    use Status::*;

    #[test]
    fn thresholds_met_not_met_no_data_and_exact() {
        assert_eq!(status(">= 84.9", 2025, &[(2025, "84.9")]), Met);
        assert_eq!(status(">= 84.9%", 2025, &[(2025, "84.89")]), NotMet);
        assert_eq!(status(">= 84.9", 2025, &[(2024, "90")]), NoData);
        assert_eq!(status("<= 34", 2025, &[(2025, "34")]), Met);
        assert_eq!(status("<= 34", 2025, &[(2025, "34.01")]), NotMet);
        assert_eq!(status("= 0", 2025, &[(2025, "0")]), Met);
        assert_eq!(status("= 0", 2025, &[(2025, "0.1")]), NotMet);
        assert_eq!(status("= 100", 2025, &[(2025, "100.0")]), Met);
        assert_eq!(status("> 98", 2025, &[(2025, "98")]), NotMet);
        assert_eq!(status("> 98", 2025, &[(2025, "98.01")]), Met);
        assert_eq!(status("< 5", 2025, &[(2025, "5")]), NotMet);
        assert_eq!(status("≥ 20", 2025, &[(2025, "20")]), Met);
        assert_eq!(status("≤ 20", 2025, &[(2025, "20.5")]), NotMet);
    }

    #[test]
    fn decline_from_base_is_exact() {
        let r = "decline_from 2020 >= 12%";
        // exactly 12.0 % down: met
        assert_eq!(status(r, 2025, &[(2020, "1.25"), (2025, "1.1")]), Met);
        assert_eq!(status(r, 2025, &[(2020, "1.25"), (2025, "1.1001")]), NotMet);
        assert_eq!(status(r, 2025, &[(2020, "3"), (2025, "2.64")]), Met);
        // a third: 1/3 is not representable, comparison stays exact
        assert_eq!(status("decline_from 2020 >= 12%", 2025, &[(2020, "0.3"), (2025, "0.264")]), Met);
        assert_eq!(status(r, 2025, &[(2025, "1.1")]), NoData);
        assert_eq!(status(r, 2020, &[(2020, "1.25")]), NotApplicable);
        assert_eq!(status(r, 2025, &[(2020, "0"), (2025, "1")]), NoData);
        assert_eq!(status(r, 2025, &[(2020, "1.25")]), NoData);
        let inc = "increase_from 2020 >= 10%";
        assert_eq!(status(inc, 2022, &[(2020, "50"), (2022, "55")]), Met);
        assert_eq!(status(inc, 2022, &[(2020, "50"), (2022, "54.99")]), NotMet);
        assert_eq!(status(inc, 2022, &[(2020, "50")]), NoData);
        assert_eq!(status(inc, 2022, &[(2022, "55")]), NoData);
        assert_eq!(status("increase_from 2020 > 10%", 2022, &[(2020, "50"), (2022, "55")]), NotMet, "exactly 10% is not more than 10%");
    }

    #[test]
    fn states() {
        assert_eq!(status("state 建立", 2025, &[(2025, "建立")]), Met);
        assert_eq!(status("state 建立", 2025, &[(2025, "未建立")]), NotMet);
        assert_eq!(status("state 建立", 2025, &[(2025, "established")]), Met);
        assert_eq!(status("state 建立", 2025, &[(2025, "达标")]), Met);
        assert_eq!(status("state 建立", 2025, &[]), NoData);
        assert_eq!(status("state 不明显", 2025, &[(2025, "明显")]), NotMet);
        assert_eq!(status("state 不明显", 2025, &[(2025, "不明显")]), Met);
    }

    #[test]
    fn trends_and_delta() {
        assert_eq!(status("not_decreasing", 2024, &[(2023, "90"), (2024, "90")]), Met);
        assert_eq!(status("not_decreasing", 2024, &[(2023, "90"), (2024, "89.9")]), NotMet);
        assert_eq!(status("not_decreasing", 2023, &[(2023, "90")]), NotApplicable);
        assert_eq!(status("not_decreasing", 2024, &[]), NoData);
        assert_eq!(status("decreasing", 2024, &[(2022, "3"), (2024, "2.9")]), Met);
        assert_eq!(status("decreasing", 2024, &[(2023, "3"), (2024, "3")]), NotMet);
        assert_eq!(status("increasing", 2024, &[(2023, "3"), (2024, "3.1")]), Met);
        assert_eq!(status("not_increasing", 2024, &[(2023, "3"), (2024, "3.1")]), NotMet);
        assert_eq!(status("delta >= 2", 2024, &[(2023, "50"), (2024, "52")]), Met);
        assert_eq!(status("delta >= 2", 2024, &[(2023, "50"), (2024, "51.99")]), NotMet);
        assert_eq!(status("delta >= 2", 2023, &[(2023, "50")]), NotApplicable);
        assert_eq!(status("delta >= 2", 2024, &[(2023, "50")]), NoData);
        assert_eq!(status("delta <= -1", 2024, &[(2023, "50"), (2024, "49")]), Met);
        assert_eq!(status("improving", 2024, &[(2023, "5")]), NoData);
        assert_eq!(status("decreasing", 2024, &[(2023, "3")]), NoData);
        // improving needs a direction: from the rule, or declared
        assert_eq!(status(">= 90 or improving", 2024, &[(2023, "80"), (2024, "85")]), Met);
        assert_eq!(status(">= 90 or improving", 2024, &[(2023, "86"), (2024, "85")]), NotMet);
        let r = Rule::parse("improving").unwrap();
        let s = series(&[(2023, "5"), (2024, "4")]);
        assert_eq!(r.evaluate(&EvalInput::new(2024, &s)).status, NoData);
        let input = EvalInput { direction: Some(Direction::LowerIsBetter), ..EvalInput::new(2024, &s) };
        assert_eq!(r.evaluate(&input).status, Met);
    }

    #[test]
    fn upper_target() {
        let r = Rule::parse(">= upper_target").unwrap();
        let s = series(&[(2024, "95")]);
        let mut input = EvalInput::new(2024, &s);
        assert_eq!(r.evaluate(&input).status, TargetNotSet);
        input.upper_target = Some(d("95"));
        assert_eq!(r.evaluate(&input).status, Met);
        input.upper_target = Some(d("95.5"));
        assert_eq!(r.evaluate(&input).status, NotMet);
        let r = Rule::parse("<= upper_target").unwrap();
        assert_eq!(r.evaluate(&input).status, Met);
        let empty = BTreeMap::new();
        assert_eq!(r.evaluate(&EvalInput::new(2024, &empty)).status, NoData);
        assert!(r.needs_upper_target());
    }

    #[test]
    fn compound_rules_of_the_2024_set() {
        // 完成上级规定的考核任务，且≥90或持续提高
        let rule = ">= upper_target and (>= 90 or increasing)";
        let r = Rule::parse(rule).unwrap();
        let s = series(&[(2023, "85"), (2024, "88")]);
        let input = EvalInput { upper_target: Some(d("80")), ..EvalInput::new(2024, &s) };
        assert_eq!(r.evaluate(&input).status, Met);
        let input = EvalInput { upper_target: Some(d("89")), ..EvalInput::new(2024, &s) };
        assert_eq!(r.evaluate(&input).status, NotMet);
        let input = EvalInput { upper_target: None, ..EvalInput::new(2024, &s) };
        assert_eq!(r.evaluate(&input).status, TargetNotSet);
        assert_eq!(r.expr.to_string(), ">= upper_target and (>= 90 or increasing)");
    }

    #[test]
    fn all_parts() {
        let r = Rule::parse("all_parts").unwrap();
        let empty = BTreeMap::new();
        let mut input = EvalInput::new(2025, &empty);
        assert_eq!(r.evaluate(&input).status, NoData);
        input.parts = vec![Met, Met];
        assert_eq!(r.evaluate(&input).status, Met);
        input.parts = vec![Met, NotMet];
        assert_eq!(r.evaluate(&input).status, NotMet);
        input.parts = vec![Met, NoData];
        assert_eq!(r.evaluate(&input).status, NoData);
        assert_eq!(r.value_kind(), ValueKind::Parts);
    }

    #[test]
    fn wrong_kind_of_value() {
        assert_eq!(status(">= 50", 2025, &[(2025, "建立")]), NoData);
        assert_eq!(status("state 建立", 2025, &[(2025, "50")]), NoData);
    }

    #[test]
    fn directions_and_kinds() {
        let dir = |s: &str| Rule::parse(s).unwrap().direction();
        assert_eq!(dir(">= 1"), Some(Direction::HigherIsBetter));
        assert_eq!(dir("<= 1"), Some(Direction::LowerIsBetter));
        assert_eq!(dir("= 0"), Some(Direction::LowerIsBetter));
        assert_eq!(dir("= 100"), Some(Direction::HigherIsBetter));
        assert_eq!(dir("decline_from 2020 >= 13%"), Some(Direction::LowerIsBetter));
        assert_eq!(dir("decreasing"), Some(Direction::LowerIsBetter));
        assert_eq!(dir("state 建立"), None);
        assert_eq!(Rule::parse("decline_from 2020 >= 13%").unwrap().base_years(), vec![2020]);
        assert!(matches!(Rule::parse("state 实施").unwrap().value_kind(), ValueKind::State(w) if w.word == "实施"));
    }

    #[test]
    fn parse_errors_are_positioned() {
        let e = Rule::parse(">= ").unwrap_err();
        assert_eq!(e.column, 4);
        assert_eq!(e.found, "end of rule");
        let e = Rule::parse(">= 5 and").unwrap_err();
        assert_eq!(e.column, 9);
        let e = Rule::parse("decline_from 2020 >= 12").unwrap_err();
        assert_eq!(e.expected, "%");
        let e = Rule::parse("state 出现").unwrap_err();
        assert_eq!((e.column, e.found.as_str()), (7, "出现"));
        let e = Rule::parse("(>= 5").unwrap_err();
        assert_eq!(e.expected, ")");
        let e = Rule::parse("bigger 5").unwrap_err();
        assert_eq!((e.column, e.found.as_str()), (1, "bigger"));
        let e = Rule::parse(">= 5 # x").unwrap_err();
        assert_eq!(e.column, 6);
        let e = Rule::parse(">= 5 >= 6").unwrap_err();
        assert_eq!(e.column, 6);
        assert!(Rule::parse("state 建立 and >= 5").is_err());
        assert!(Rule::parse("decline_from 20.5 >= 1%").is_err());
    }
}
