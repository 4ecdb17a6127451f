//! `ecociv check`: a table of observations (CSV in UTF-8, with or without BOM, or GB18030)
//! evaluated against a plan's targets, without any database. A bad file gives every problem
//! with its line, column, the value found and what was expected — and no results.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rust_decimal::Decimal;
use serde::Serialize;

use crate::locale::{Locale, t, tf};
use crate::model::{Leaf, OrgKind, Plan};
use crate::rule::{EvalInput, Status, ValueKind};
use crate::value::{StateWord, Value, parse_number};

/// One problem of the file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckError {
    /// 1-based line; the header is line 1 (0 for the file as a whole).
    pub line: u64,
    /// The column's name (empty for the file or a whole row).
    pub column: String,
    /// The value found.
    pub value: String,
    /// What was expected, in the report's language.
    pub expected: String,
    /// The whole message, in the report's language.
    pub message: String,
    /// Stable code of the problem.
    pub code: &'static str,
}

/// The verdict for one leaf indicator, year and region.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckResult {
    pub indicator: String,
    pub name: String,
    pub year: i32,
    pub region: Option<String>,
    pub value: Option<String>,
    pub unit: String,
    pub target: String,
    pub rule: String,
    pub status: Status,
    pub reason_code: &'static str,
    pub reason: String,
}

/// The outcome: results, or errors (never both).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct CheckReport {
    pub results: Vec<CheckResult>,
    pub errors: Vec<CheckError>,
}

const REQUIRED: [&str; 3] = ["indicator", "year", "value"];
const OPTIONAL: [&str; 3] = ["region", "upper_target", "rate"];

/// Decodes UTF-8 (BOM optional) or GB18030.
pub fn decode(bytes: &[u8]) -> Option<String> {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(b) {
        return Some(s.to_string());
    }
    encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(b).map(|t| t.into_owned())
}

struct Row {
    line: u64,
    leaf: String,
    year: i32,
    region: Option<String>,
    value: Option<Value>,
    upper_target: Option<Decimal>,
    /// The utilization rate for an indicator that applies only up to a rate (22).
    rate: Option<Decimal>,
}

/// Checks a CSV file against the plan's targets.
pub fn check_csv(plan: &Plan, bytes: &[u8], l: Locale) -> CheckReport {
    let mut errors: Vec<CheckError> = Vec::new();
    macro_rules! error {
        ($line:expr, $column:expr, $value:expr, $expected:expr, $message:expr, $code:expr $(,)?) => {
            errors.push(CheckError {
                line: $line,
                column: String::from($column),
                value: String::from($value),
                expected: $expected,
                message: $message,
                code: $code,
            })
        };
    }
    let Some(text) = decode(bytes) else {
        // name the place of the first byte that is not UTF-8
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let (at, len) = std::str::from_utf8(body).err().map(|e| (e.valid_up_to(), e.error_len().unwrap_or(1))).unwrap_or((0, 1));
        let line = body[..at].iter().filter(|b| **b == b'\n').count() as u64 + 1;
        let bad: String = body[at..body.len().min(at + len)].iter().map(|b| format!("\\x{b:02X}")).collect();
        error!(
            line,
            "",
            bad.as_str(),
            t(l, "expected.csv_file").into(),
            tf(l, "csv.encoding", &[("line", line.to_string()), ("bad", bad.to_string())]),
            "encoding",
        );
        return CheckReport { results: vec![], errors };
    };
    // one line ending, so that line numbers count as an editor does
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    // a record's position may point at the blank lines skipped before it
    let line_of = |byte: u64| -> u64 {
        let bytes = text.as_bytes();
        let mut at = (byte as usize).min(bytes.len());
        while at < bytes.len() && bytes[at] == b'\n' {
            at += 1;
        }
        bytes[..at].iter().filter(|b| **b == b'\n').count() as u64 + 1
    };
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim().trim_start_matches('\u{feff}').to_lowercase()).collect(),
        Err(e) => {
            error!(1, "", "", t(l, "expected.csv_header").into(), e.to_string(), "csv");
            return CheckReport { results: vec![], errors };
        }
    };
    if headers.iter().all(|h| h.is_empty()) {
        error!(1, "", "", "indicator,year,value".into(), t(l, "csv.no_header").into(), "missing_column",);
        return CheckReport { results: vec![], errors };
    }
    let mut col: HashMap<&str, usize> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        if let Some(known) = REQUIRED.iter().chain(OPTIONAL.iter()).find(|k| **k == h.as_str()) {
            if col.insert(known, i).is_some() {
                error!(1, h, h, t(l, "expected.column_once").into(), tf(l, "csv.duplicate_column", &[("column", h.to_string())]), "duplicate_column");
            }
        } else {
            let all = [REQUIRED.as_slice(), OPTIONAL.as_slice()].concat().join(", ");
            error!(1, h, h, all.clone(), tf(l, "csv.unknown_column", &[("columns", all.to_string()), ("column", h.to_string())]), "unknown_column");
        }
    }
    for r in REQUIRED {
        if !col.contains_key(r) {
            error!(1, r, "", r.into(), tf(l, "csv.missing_column", &[("column", r.to_string())]), "missing_column");
        }
    }
    // without the required columns the rows cannot be read; otherwise they are checked too
    if REQUIRED.iter().any(|r| !col.contains_key(r)) {
        return CheckReport { results: vec![], errors };
    }
    let width = headers.len();

    let regions: Vec<(&str, Vec<&str>)> =
        plan.org_units.iter().filter(|o| o.kind == OrgKind::Region).map(|o| (o.name.as_str(), o.aliases.iter().map(String::as_str).collect())).collect();
    let mut rows: Vec<Row> = Vec::new();
    let mut seen: HashMap<(String, i32, Option<String>), u64> = HashMap::new();
    for rec in reader.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| line_of(p.byte())).unwrap_or(0);
                error!(
                    line,
                    "",
                    "",
                    t(l, "expected.csv_record").into(),
                    tf(l, "csv.malformed", &[("line", line.to_string()), ("error", e.to_string())]),
                    "csv"
                );
                continue;
            }
        };
        let line = rec.position().map(|p| line_of(p.byte())).unwrap_or(0);
        if rec.iter().all(|f| f.is_empty()) {
            continue;
        }
        if rec.len() > width {
            let extra: Vec<&str> = rec.iter().skip(width).collect();
            let extra = extra.join(",");
            error!(
                line,
                "",
                extra.as_str(),
                tf(l, "expected.fields", &[("width", width.to_string())]),
                tf(l, "csv.too_many_fields", &[("more", (rec.len() - width).to_string()), ("line", line.to_string()), ("extra", extra.to_string())]),
                "too_many_fields"
            );
        }
        let get = |name: &str| col.get(name).and_then(|i| rec.get(*i)).unwrap_or("").to_string();
        let mut row_ok = true;

        let code = get("indicator");
        let leaf: Option<Leaf<'_>> = plan.leaf(&code);
        if code.is_empty() {
            row_ok = false;
            error!(
                line,
                "indicator",
                "",
                t(l, "expected.indicator_code").into(),
                tf(l, "csv.indicator_missing", &[("line", line.to_string())]),
                "missing_value"
            );
        } else if leaf.is_none() {
            row_ok = false;
            match plan.indicator(code.trim()).filter(|i| !i.sub_indicators.is_empty()) {
                Some(i) => {
                    let parts: Vec<&str> = i.sub_indicators.iter().map(|s| s.code.as_str()).collect();
                    let p = parts.join(", ");
                    error!(
                        line,
                        "indicator",
                        &code,
                        p.clone(),
                        tf(l, "csv.composite", &[("line", line.to_string()), ("code", code.to_string()), ("parts", p.to_string())]),
                        "composite_indicator"
                    );
                }
                None => error!(
                    line,
                    "indicator",
                    &code,
                    t(l, "expected.plan_indicator_code").into(),
                    tf(l, "csv.unknown_indicator", &[("line", line.to_string()), ("code", code.to_string())]),
                    "unknown_indicator",
                ),
            }
        }

        let year_text = get("year");
        let year = match year_text.trim().parse::<i32>() {
            Ok(y) if (1949..=2100).contains(&y) => Some(y),
            _ => {
                row_ok = false;
                error!(
                    line,
                    "year",
                    &year_text,
                    t(l, "expected.year").into(),
                    tf(l, "csv.bad_year", &[("line", line.to_string()), ("year", year_text.to_string())]),
                    "bad_year"
                );
                None
            }
        };

        let region_text = get("region");
        let region = if region_text.is_empty() {
            None
        } else {
            match regions.iter().find(|(n, a)| *n == region_text || a.contains(&region_text.as_str())) {
                Some((n, _)) => Some(n.to_string()),
                None => {
                    row_ok = false;
                    let names: Vec<&str> = regions.iter().map(|r| r.0).collect();
                    error!(
                        line,
                        "region",
                        &region_text,
                        names.join("、"),
                        tf(l, "csv.unknown_region", &[("line", line.to_string()), ("region", region_text.to_string())]),
                        "unknown_region"
                    );
                    None
                }
            }
        };

        let ut_text = get("upper_target");
        let mut upper_target = None;
        if !ut_text.is_empty() {
            match parse_number(&ut_text) {
                Some(n) => upper_target = Some(n),
                None => {
                    row_ok = false;
                    error!(
                        line,
                        "upper_target",
                        &ut_text,
                        t(l, "expected.number").into(),
                        tf(l, "csv.upper_target_not_a_number", &[("line", line.to_string()), ("value", ut_text.to_string())]),
                        "not_a_number"
                    );
                }
            }
            if let Some(lf) = leaf
                && !lf.target.parse_rule().map(|r| r.needs_upper_target()).unwrap_or(false)
            {
                row_ok = false;
                error!(
                    line,
                    "upper_target",
                    &ut_text,
                    t(l, "expected.no_upper_target").into(),
                    tf(l, "csv.upper_target_not_taken", &[("code", lf.code.to_string()), ("line", line.to_string())]),
                    "upper_target_not_taken"
                );
            }
        }

        let rate_text = get("rate");
        let mut rate = None;
        if !rate_text.is_empty() {
            let takes = leaf.is_some_and(|lf| lf.indicator.applies_while_rate_at_most.is_some());
            match parse_number(&rate_text) {
                Some(n) if takes && (Decimal::ZERO..=Decimal::ONE_HUNDRED).contains(&n) => rate = Some(n),
                Some(_) if takes => {
                    row_ok = false;
                    error!(
                        line,
                        "rate",
                        &rate_text,
                        "0–100 %".into(),
                        tf(l, "csv.rate_out_of_range", &[("line", line.to_string()), ("rate", rate_text.to_string())]),
                        "out_of_range"
                    );
                }
                None if takes => {
                    row_ok = false;
                    error!(
                        line,
                        "rate",
                        &rate_text,
                        t(l, "expected.number").into(),
                        tf(l, "csv.rate_not_a_number", &[("line", line.to_string()), ("rate", rate_text.to_string())]),
                        "not_a_number"
                    );
                }
                _ => {
                    row_ok = false;
                    error!(
                        line,
                        "rate",
                        &rate_text,
                        t(l, "expected.no_rate").into(),
                        tf(l, "csv.rate_not_taken", &[("line", line.to_string())]),
                        "rate_not_taken"
                    );
                }
            }
        }
        let value_text = get("value");
        let mut value = None;
        if let Some(lf) = leaf {
            let kind = lf.target.parse_rule().map(|r| r.value_kind()).unwrap_or(ValueKind::Number);
            if value_text.is_empty() {
                if upper_target.is_none() {
                    row_ok = false;
                    error!(
                        line,
                        "value",
                        "",
                        t(l, "expected.number_or_state").into(),
                        tf(l, "csv.value_missing", &[("line", line.to_string())]),
                        "missing_value"
                    );
                }
            } else {
                match kind {
                    ValueKind::State(word) => match StateWord::parse(&value_text) {
                        Some(w) if w.word == word.word || w.is_generic() => value = Some(Value::State(w)),
                        _ => {
                            row_ok = false;
                            let acc = word.accepted_values().join("、");
                            error!(
                                line,
                                "value",
                                &value_text,
                                acc.clone(),
                                tf(
                                    l,
                                    "csv.value_not_a_state",
                                    &[
                                        ("code", lf.code.to_string()),
                                        ("line", line.to_string()),
                                        ("value", value_text.to_string()),
                                        ("accepted", acc.to_string())
                                    ]
                                ),
                                "not_a_state"
                            );
                        }
                    },
                    _ => match parse_number(&value_text) {
                        Some(n) => {
                            let (min, max) = crate::entry::admissible_range(lf.unit, lf.code);
                            if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                                row_ok = false;
                                let shown = |o: Option<Decimal>| o.map(|d| d.to_string()).unwrap_or_else(|| "∞".into());
                                let range = format!("{}–{} {}", shown(min), shown(max), lf.unit);
                                error!(
                                    line,
                                    "value",
                                    &value_text,
                                    range.clone(),
                                    tf(
                                        l,
                                        "csv.value_out_of_range",
                                        &[("code", lf.code.to_string()), ("line", line.to_string()), ("range", range.to_string()), ("value", n.to_string())]
                                    ),
                                    "out_of_range"
                                );
                            } else {
                                value = Some(Value::Number(n));
                            }
                        }
                        None => {
                            row_ok = false;
                            let unit = if lf.unit.is_empty() { String::new() } else { format!("（{}）", lf.unit) };
                            error!(
                                line,
                                "value",
                                &value_text,
                                format!("{}{unit}", t(l, "expected.number")),
                                tf(
                                    l,
                                    "csv.value_not_a_number",
                                    &[("code", lf.code.to_string()), ("line", line.to_string()), ("unit", unit.to_string()), ("value", value_text.to_string())]
                                ),
                                "not_a_number"
                            );
                        }
                    },
                }
            }
        }

        if let (Some(lf), Some(y), true) = (leaf, year, region_text.is_empty() || region.is_some()) {
            let key = (lf.code.to_string(), y, region.clone());
            if let Some(first) = seen.get(&key) {
                row_ok = false;
                error!(
                    line,
                    "",
                    &format!("{},{}", lf.code, y),
                    t(l, "expected.one_row").into(),
                    tf(
                        l,
                        "csv.duplicate_row",
                        &[("code", lf.code.to_string()), ("line", line.to_string()), ("first", first.to_string()), ("year", y.to_string())]
                    ),
                    "duplicate_row"
                );
            } else {
                seen.insert(key, line);
            }
        }
        if row_ok && let (Some(lf), Some(y)) = (leaf, year) {
            rows.push(Row { line, leaf: lf.code.to_string(), year: y, region, value, upper_target, rate });
        }
    }
    if !errors.is_empty() {
        return CheckReport { results: vec![], errors };
    }
    CheckReport { results: evaluate_rows(plan, &rows, l), errors: vec![] }
}

fn evaluate_rows(plan: &Plan, rows: &[Row], l: Locale) -> Vec<CheckResult> {
    type Key = (String, Option<String>);
    let mut series: BTreeMap<Key, BTreeMap<i32, Value>> = BTreeMap::new();
    let mut uppers: HashMap<(String, Option<String>, i32), Decimal> = HashMap::new();
    for r in rows {
        let s = series.entry((r.leaf.clone(), r.region.clone())).or_default();
        if let Some(v) = &r.value {
            s.insert(r.year, v.clone());
        }
        if let Some(u) = r.upper_target {
            uppers.insert((r.leaf.clone(), r.region.clone(), r.year), u);
        }
    }
    let mut results = Vec::new();
    let mut present: BTreeSet<String> = BTreeSet::new();
    let mut ordered: Vec<&Row> = rows.iter().collect();
    let leaf_rank = |c: &str| plan.leaves().iter().position(|x| x.code == c).unwrap_or(usize::MAX);
    ordered.sort_by(|a, b| leaf_rank(&a.leaf).cmp(&leaf_rank(&b.leaf)).then(a.region.cmp(&b.region)).then(a.year.cmp(&b.year)).then(a.line.cmp(&b.line)));
    for r in ordered {
        let leaf = plan.leaf(&r.leaf).expect("checked above");
        present.insert(r.leaf.clone());
        let rule = leaf.target.parse_rule().expect("plan rules parse");
        let s = &series[&(r.leaf.clone(), r.region.clone())];
        let upper = uppers.get(&(r.leaf.clone(), r.region.clone(), r.year)).or_else(|| uppers.get(&(r.leaf.clone(), None, r.year))).copied();
        let input = EvalInput { upper_target: upper, direction: leaf.direction, ..EvalInput::new(r.year, s) };
        let verdict = match (r.rate, leaf.indicator.applies_while_rate_at_most) {
            (Some(rate), Some(limit)) if rate > limit => {
                crate::rule::Verdict { status: Status::NotApplicable, reason: crate::rule::Reason::RateAboveLimit { rate, limit } }
            }
            _ => rule.evaluate(&input),
        };
        results.push(CheckResult {
            indicator: leaf.code.to_string(),
            name: leaf.name.to_string(),
            year: r.year,
            region: r.region.clone(),
            value: r.value.as_ref().map(Value::display),
            unit: leaf.unit.to_string(),
            target: leaf.target.printed.clone(),
            rule: leaf.target.rule.clone(),
            status: verdict.status,
            reason_code: verdict.reason_code(),
            reason: verdict.reason.message(l),
        });
    }
    for leaf in plan.leaves() {
        if !present.contains(leaf.code) {
            results.push(CheckResult {
                indicator: leaf.code.to_string(),
                name: leaf.name.to_string(),
                year: leaf.target.deadline,
                region: None,
                value: None,
                unit: leaf.unit.to_string(),
                target: leaf.target.printed.clone(),
                rule: leaf.target.rule.clone(),
                status: Status::NoData,
                reason_code: "not_in_file",
                reason: t(l, "csv.not_in_file").into(),
            });
        }
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan_data::{build_plan, hohhot};

    fn plan() -> Plan {
        build_plan(&hohhot()).unwrap()
    }

    fn find<'a>(r: &'a CheckReport, ind: &str, year: i32) -> &'a CheckResult {
        r.results.iter().find(|x| x.indicator == ind && x.year == year).unwrap_or_else(|| panic!("no result {ind} {year}"))
    }

    #[test]
    fn valid_file_gives_one_result_per_row_and_no_data_for_the_rest() {
        let p = plan();
        let csv = "\u{feff}indicator,year,value,upper_target\n17,2020,0.5,\n17,2025,0.44,\n7.1,2025,84.9,\n7.2,2025,35,\n13,2025,建立,\n11.2,2025,明显,\n16,2025,96,95\n18,2025,40,\n";
        let r = check_csv(&p, csv.as_bytes(), Locale::Zh);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert_eq!(find(&r, "17", 2020).status, Status::NotApplicable);
        assert_eq!(find(&r, "17", 2025).status, Status::Met, "exactly 12% down meets −12%");
        assert_eq!(find(&r, "7.1", 2025).status, Status::Met);
        assert_eq!(find(&r, "7.2", 2025).status, Status::NotMet);
        assert_eq!(find(&r, "13", 2025).status, Status::Met);
        assert_eq!(find(&r, "11.2", 2025).status, Status::NotMet);
        assert_eq!(find(&r, "16", 2025).status, Status::Met);
        assert_eq!(find(&r, "18", 2025).status, Status::TargetNotSet);
        let leaves = p.leaves().len();
        let distinct: BTreeSet<&str> = r.results.iter().map(|x| x.indicator.as_str()).collect();
        assert_eq!(distinct.len(), leaves);
        assert_eq!(r.results.len(), 8 + leaves - 7);
        assert!(r.results.iter().all(|x| x.indicator != "7"));
    }

    #[test]
    fn every_target_of_the_plan_evaluates() {
        // a value for every leaf, of the kind its rule judges, two years running
        let p = plan();
        let mut csv = String::from("indicator,year,value,upper_target\n");
        for leaf in p.leaves() {
            let rule = leaf.target.parse_rule().unwrap();
            let (v1, v2) = match rule.value_kind() {
                ValueKind::State(w) => (w.word.clone(), w.word.clone()),
                _ => ("50".to_string(), "40".to_string()),
            };
            let ut = if rule.needs_upper_target() { "45" } else { "" };
            csv.push_str(&format!("{},2020,{v1},{ut}\n{},2025,{v2},{ut}\n", leaf.code, leaf.code));
        }
        let r = check_csv(&p, csv.as_bytes(), Locale::En);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert_eq!(r.results.len(), 2 * p.leaves().len());
        let at = |code: &str, year: i32| find(&r, code, year).status;
        assert_eq!(at("1", 2025), Status::Met);
        assert_eq!(at("3", 2025), Status::Met, "40 >= 20");
        assert_eq!(at("5", 2025), Status::NotMet, "40 = 100");
        assert_eq!(at("7.2", 2025), Status::NotMet, "40 <= 34");
        assert_eq!(at("11.3", 2020), Status::NotApplicable, "first year is a baseline");
        assert_eq!(at("11.3", 2025), Status::NotMet, "40 after 50 decreased");
        assert_eq!(at("32.3", 2025), Status::Met, "40 after 50 decreased");
        assert_eq!(at("16", 2025), Status::NotMet, "40 >= 45");
        assert_eq!(at("18", 2025), Status::Met, "40 <= 45");
        assert_eq!(at("17", 2020), Status::NotApplicable);
        assert_eq!(at("17", 2025), Status::Met, "20% down from 2020");
        assert_eq!(at("20", 2025), Status::Met);
    }

    #[test]
    fn gb18030_is_read() {
        let p = plan();
        let (bytes, _, _) = encoding_rs::GB18030.encode("indicator,year,value,region\n13,2024,未建立,托县\n");
        let r = check_csv(&p, &bytes, Locale::Zh);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        let x = find(&r, "13", 2024);
        assert_eq!(x.status, Status::NotMet);
        assert_eq!(x.region.as_deref(), Some("托克托县"));
    }

    #[test]
    fn bad_file_lists_every_problem_and_no_results() {
        let p = plan();
        let csv = "indicator,year,value\n99,2024,1\n3,2024,很多\n3,2024,25\n13,2024,45\n7,2024,80\n3,20x4,5\n3,2025,\n";
        let r = check_csv(&p, csv.as_bytes(), Locale::En);
        assert!(r.results.is_empty());
        let codes: Vec<(u64, &str, &str)> = r.errors.iter().map(|e| (e.line, e.column.as_str(), e.code)).collect();
        assert_eq!(
            codes,
            vec![
                (2, "indicator", "unknown_indicator"),
                (3, "value", "not_a_number"),
                (4, "", "duplicate_row"),
                (5, "value", "not_a_state"),
                (6, "indicator", "composite_indicator"),
                (7, "year", "bad_year"),
                (8, "value", "missing_value"),
            ]
        );
        let csv = "indicator,year,value\n3,2024,25\n3,2024,26\n";
        let r = check_csv(&p, csv.as_bytes(), Locale::En);
        assert_eq!(r.errors.len(), 1);
        assert_eq!((r.errors[0].line, r.errors[0].code), (3, "duplicate_row"));
        assert!(r.errors[0].message.contains("line 2"));
    }

    #[test]
    fn header_problems() {
        let p = plan();
        let r = check_csv(&p, b"indicator,value\n3,25\n", Locale::Zh);
        assert_eq!(r.errors.len(), 1);
        assert_eq!((r.errors[0].line, r.errors[0].column.as_str(), r.errors[0].code), (1, "year", "missing_column"));
        assert!(r.errors[0].message.contains("缺少列"));
        let r = check_csv(&p, b"", Locale::Zh);
        assert_eq!(r.errors[0].code, "missing_column");
        let r = check_csv(&p, b"indicator,year,value,colour\n", Locale::En);
        assert_eq!(r.errors[0].code, "unknown_column");
        let r = check_csv(&p, &[0xff, 0xfe, 0x00, 0x41, 0x81, 0x20], Locale::En);
        assert_eq!(r.errors[0].code, "encoding");
    }

    #[test]
    fn line_numbers_count_like_an_editor() {
        let p = plan();
        let r = check_csv(&p, b"indicator,year,value\r\n3,2024,25\r\n3,2025,x\r\n\r\n\r\n3,2024,26\r\n", Locale::En);
        let lines: Vec<(u64, &str)> = r.errors.iter().map(|e| (e.line, e.code)).collect();
        assert_eq!(lines, vec![(3, "not_a_number"), (6, "duplicate_row")]);
        assert!(r.errors[1].message.contains("duplicates line 2"), "{}", r.errors[1].message);
        let r = check_csv(&p, b"indicator,year,value\n3,2024,25\n13,2024,\xff\n", Locale::En);
        assert_eq!((r.errors[0].line, r.errors[0].code, r.errors[0].value.as_str()), (3, "encoding", "\\xFF"));
    }

    #[test]
    fn every_problem_is_listed() {
        let p = plan();
        // an unknown column does not hide the rows' problems
        let r = check_csv(&p, b"indicator,year,value,foo\n99,2024,x,1\n", Locale::En);
        let codes: Vec<&str> = r.errors.iter().map(|e| e.code).collect();
        assert_eq!(codes, vec!["unknown_column", "unknown_indicator"]);
        let r = check_csv(&p, b"indicator,year,value\n3,2024,25,9\n,2024,1\n7.1,2024,1000\n7.2,2024,-5\n", Locale::En);
        let codes: Vec<(u64, &str)> = r.errors.iter().map(|e| (e.line, e.code)).collect();
        assert_eq!(codes, vec![(2, "too_many_fields"), (3, "missing_value"), (4, "out_of_range"), (5, "out_of_range")]);
        // two rows with an unknown region are two unknown regions, not a duplicate
        let r = check_csv(&p, "indicator,year,value,region\n3,2024,25,北京\n3,2024,26,北京\n".as_bytes(), Locale::En);
        assert_eq!(r.errors.iter().map(|e| e.code).collect::<Vec<_>>(), vec!["unknown_region", "unknown_region"]);
    }

    #[test]
    fn reasons_say_what_was_found() {
        let p = plan();
        let r = check_csv(&p, "indicator,year,value\n14,2024,未建立\n20,2020,2.0\n20,2024,1.7401\n".as_bytes(), Locale::Zh);
        assert!(find(&r, "14", 2024).reason.contains("未建立"), "{}", find(&r, "14", 2024).reason);
        let r20 = find(&r, "20", 2024);
        assert_eq!(r20.status, Status::NotMet);
        assert!(r20.reason.contains("12.995%"), "{}", r20.reason);
    }

    #[test]
    fn indicator_22_applies_only_up_to_60_percent() {
        let p = plan();
        let r = check_csv(&p, b"indicator,year,value,rate\n22,2023,1,75\n22,2024,1,55\n22,2025,3,\n", Locale::En);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert_eq!(find(&r, "22", 2023).status, Status::NotApplicable);
        assert_eq!(find(&r, "22", 2023).reason_code, "rate_above_limit");
        assert_eq!(find(&r, "22", 2024).status, Status::NotMet);
        assert_eq!(find(&r, "22", 2025).status, Status::Met);
        let r = check_csv(&p, b"indicator,year,value,rate\n3,2023,25,50\n22,2023,1,150\n", Locale::En);
        assert_eq!(r.errors.iter().map(|e| e.code).collect::<Vec<_>>(), vec!["rate_not_taken", "out_of_range"]);
    }

    #[test]
    fn upper_target_only_where_taken() {
        let p = plan();
        let r = check_csv(&p, b"indicator,year,value,upper_target\n3,2024,25,20\n", Locale::En);
        assert_eq!(r.errors[0].code, "upper_target_not_taken");
    }
}
