//! An indicator framework's revision as the ministry prints its table (`领域 | 任务 | 序号 |
//! 指标名称 | 单位 | 指标值 | 指标属性 | 适用范围`, optionally `对应上版序号`): read row by row, with
//! every row it cannot read located; and a revision written as the reviewed TOML file that
//! [`crate::framework::read_toml`] reads. Pure.

use crate::framework::{Framework, Level, Row};
use crate::model::{Attribute, Domain};

/// A row of the table as read, before the rows of one number become sub-indicators.
struct ReadRow {
    number: u32,
    domain: String,
    task: String,
    name: String,
    unit: String,
    target: Option<String>,
    attribute: Attribute,
    scope: String,
    from: Vec<String>,
}

/// A problem of a framework table: its row (as the spreadsheet numbers it), its column (the
/// header as found), and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct TableProblem {
    pub row: u32,
    /// The column's index from 0 (A), when the table has it.
    pub col: Option<usize>,
    pub column: String,
    pub error: crate::entry::FieldError,
}

/// The columns of the ministry's table, by their headers (Chinese as printed, or English).
const COLUMNS: [(&str, &[&str]); 9] = [
    ("domain", &["领域", "domain"]),
    ("task", &["任务", "task"]),
    ("number", &["序号", "number"]),
    ("name", &["指标名称", "指标", "name"]),
    ("unit", &["单位", "unit"]),
    ("target", &["指标值", "target"]),
    ("attribute", &["指标属性", "属性", "attribute"]),
    ("scope", &["适用范围", "scope"]),
    ("from", &["对应上版序号", "上版序号", "from"]),
];

/// The domain a printed 领域 names.
fn domain_of(printed: &str) -> Option<Domain> {
    let p = printed.trim();
    let named = |d: Domain| crate::locale::Locale::all().any(|l| crate::locale::t(l, &format!("domain.{}", d.code())) == p);
    match p {
        "目标责任" => Some(Domain::Institutions),
        _ => Domain::ALL.into_iter().find(|d| named(*d) || d.code() == p),
    }
}

/// Reads a revision from the ministry's table (`领域 | 任务 | 序号 | 指标名称 | 单位 | 指标值 |
/// 指标属性 | 适用范围`, optionally `对应上版序号`): `grid` is the sheet's rows with their numbers. The
/// header is the first row naming 序号 and 指标名称; merged cells (an empty 领域, 任务 or 序号) take
/// the value above; the rows of one 序号 are its sub-indicators (`5.1`, `5.2` …), their names
/// split at `：` or `—` into the indicator and the sub-indicator. Every row it cannot read is
/// refused with its row and column, all at once.
pub fn read_table(code: &str, name: &str, level: Level, previous: Option<&Framework>, grid: &[(u32, Vec<String>)]) -> Result<Framework, Vec<TableProblem>> {
    use crate::entry::FieldError;
    let problem = |row: u32, column: (Option<usize>, String), error: FieldError| TableProblem { row, col: column.0, column: column.1, error };
    let Some(header_at) = grid.iter().take(10).position(|(_, cells)| {
        let has = |key: &str| cells.iter().any(|c| COLUMNS.iter().any(|(k, names)| *k == key && names.contains(&c.trim())));
        has("number") && has("name")
    }) else {
        let first = grid.first().map(|(r, _)| *r).unwrap_or(1);
        return Err(vec![problem(first, (None, String::new()), FieldError::keyed("header", "no_header", "field.framework.no_header"))]);
    };
    let (header_row, header) = &grid[header_at];
    let column = |key: &str| header.iter().position(|c| COLUMNS.iter().any(|(k, names)| *k == key && names.contains(&c.trim())));
    let cols: Vec<(&str, Option<usize>)> = COLUMNS.iter().map(|(k, _)| (*k, column(k))).collect();
    let col = |key: &str| cols.iter().find(|(k, _)| *k == key).and_then(|(_, c)| *c);
    let title = |key: &str| (col(key), col(key).map(|c| header[c].trim().to_string()).unwrap_or_else(|| key.to_string()));
    let mut problems = Vec::new();
    let (mut domain, mut task, mut number): (String, String, Option<u32>) = (String::new(), String::new(), None);
    // (number, domain, task, name, unit, target, attribute, scope, from, row)
    let mut read: Vec<ReadRow> = Vec::new();
    for (r, cells) in &grid[header_at + 1..] {
        let cell = |key: &str| col(key).and_then(|c| cells.get(c)).map(|s| s.trim().to_string()).unwrap_or_default();
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        for key in ["domain", "task", "number", "name", "unit", "target", "attribute", "scope", "from"] {
            let mut errs = Vec::new();
            crate::entry::check_text(&mut errs, key, &cell(key));
            problems.extend(errs.into_iter().map(|e| problem(*r, title(key), e)));
        }
        if !cell("domain").is_empty() {
            domain = cell("domain");
            if domain_of(&domain).is_none() {
                problems.push(problem(
                    *r,
                    title("domain"),
                    FieldError::keyed("domain", "unknown_domain", "field.framework.unknown_domain").arg("found", &domain),
                ));
            }
        }
        if !cell("task").is_empty() {
            task = cell("task");
        }
        let typed = cell("number");
        if !typed.is_empty() {
            match typed.trim_end_matches(['.', '、']).parse::<u32>() {
                Ok(n) if n >= 1 && number.is_none_or(|p| n >= p) => number = Some(n),
                Ok(n) if n >= 1 => {
                    problems.push(problem(
                        *r,
                        title("number"),
                        FieldError::keyed("number", "out_of_order", "field.framework.out_of_order").arg("found", &n).arg("before", &number.unwrap_or(0)),
                    ));
                }
                _ => {
                    problems.push(problem(*r, title("number"), FieldError::keyed("number", "not_a_number", "field.framework.bad_number").arg("found", &typed)))
                }
            }
        }
        let Some(n) = number else {
            problems.push(problem(*r, title("number"), FieldError::keyed("number", "number_missing", "field.framework.number_missing")));
            continue;
        };
        if domain.is_empty() || task.is_empty() {
            let key = if domain.is_empty() { "domain" } else { "task" };
            problems.push(problem(*r, title(key), FieldError::keyed(key, "missing", "field.framework.missing")));
        }
        let name = cell("name");
        if name.is_empty() {
            problems.push(problem(*r, title("name"), FieldError::keyed("name", "missing", "field.framework.missing")));
        }
        let attribute = match cell("attribute").trim_end_matches("指标") {
            "" => Attribute::Unknown,
            "约束性" => Attribute::Binding,
            "参考性" => Attribute::Reference,
            other => {
                problems.push(problem(
                    *r,
                    title("attribute"),
                    FieldError::keyed("attribute", "bad_attribute", "field.framework.bad_attribute").arg("found", &other),
                ));
                Attribute::Unknown
            }
        };
        let typed_scope = cell("scope");
        // 县（市、区）is the county level: what stands before a parenthesis says it
        let said = typed_scope.split(['（', '(']).next().unwrap_or_default();
        let (city, county) = (said.contains('市') || said.contains("地级"), said.contains('县'));
        let scope = match (typed_scope.is_empty(), city, county) {
            (true, _, _) => String::new(),
            (false, true, true) => "市县".into(),
            (false, true, false) => "市".into(),
            (false, false, true) => "县".into(),
            (false, false, false) => {
                problems.push(problem(*r, title("scope"), FieldError::keyed("scope", "bad_scope", "field.framework.bad_scope").arg("found", &typed_scope)));
                String::new()
            }
        };
        let target = Some(cell("target")).filter(|t| !t.is_empty());
        let from: Vec<String> = cell("from").split([',', '，', '、', ' ']).map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
        match previous {
            None if !from.is_empty() => problems.push(problem(*r, title("from"), FieldError::keyed("from", "no_previous", "field.framework.no_previous"))),
            Some(p) => {
                for f in from.iter().filter(|f| !p.rows.iter().any(|row| &row.code == *f)) {
                    let e = FieldError::keyed("from", "unknown_previous_row", "field.framework.unknown_previous_row").arg("found", f).arg("previous", &p.code);
                    problems.push(problem(*r, title("from"), e));
                }
            }
            None => {}
        }
        read.push(ReadRow { number: n, domain: domain.clone(), task: task.clone(), name, unit: cell("unit"), target, attribute, scope, from });
    }
    if read.is_empty() && problems.is_empty() {
        problems.push(problem(*header_row + 1, (None, String::new()), FieldError::keyed("rows", "no_rows", "field.framework.no_rows")));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut rows = Vec::new();
    for (i, ReadRow { number: n, domain, task, name, unit, target, attribute, scope, from }) in read.iter().enumerate() {
        let siblings: Vec<usize> = (0..read.len()).filter(|j| read[*j].number == *n).collect();
        let (code, group, leaf) = if siblings.len() == 1 {
            (n.to_string(), String::new(), name.clone())
        } else {
            let k = siblings.iter().position(|j| *j == i).expect("its own") + 1;
            let (group, leaf) =
                name.split_once(['：', ':', '—']).map(|(g, l)| (g.trim().to_string(), l.trim().to_string())).unwrap_or((String::new(), name.clone()));
            (format!("{n}.{k}"), group, leaf)
        };
        rows.push(Row {
            code,
            domain: domain.clone(),
            task: task.clone(),
            group,
            name: leaf,
            name_en: String::new(),
            unit: unit.clone(),
            rule: target.as_deref().and_then(simple_rule),
            target: target.clone(),
            attribute: *attribute,
            scope: scope.clone(),
            variants: Vec::new(),
            from: from.clone(),
            note: String::new(),
            note_en: String::new(),
        });
    }
    Ok(Framework {
        code: code.trim().to_string(),
        name: name.trim().to_string(),
        document: String::new(),
        year: None,
        level: Some(level),
        previous: previous.map(|p| p.code.clone()),
        complete: true,
        note: String::new(),
        note_en: String::new(),
        rows,
    })
}

/// The rule of a target printed in one of the plain forms — `≥20`, `≤25%`, `>-1`, `100` (of a
/// share: all of it), or a word without any figure (`建立`, `有效开展`: a state) — and `None` for
/// any other (`完成上级规定的考核任务，且≥90或持续提高`), which a person writes.
pub fn simple_rule(target: &str) -> Option<String> {
    let t = target.trim().trim_end_matches('%').trim();
    let number = |s: &str| s.trim().parse::<rust_decimal::Decimal>().ok().map(|d| d.normalize().to_string());
    for (printed, op) in [("≥", ">="), (">=", ">="), ("≤", "<="), ("<=", "<="), (">", ">"), ("<", "<")] {
        if let Some(rest) = t.strip_prefix(printed) {
            return number(rest).map(|n| format!("{op} {n}"));
        }
    }
    if let Some(n) = number(t) {
        return Some(format!("= {n}"));
    }
    // a word the rule language knows as a state
    let rule = format!("state {t}");
    crate::rule::Rule::parse(&rule).is_ok().then_some(rule)
}

/// A TOML basic string (the reviewed files written out: a revision, a next plan's draft).
pub(crate) fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A revision as its reviewed TOML file (what [`read_toml`] reads back the same): for a table
/// just imported, to be reviewed, completed (English names, notes) and shipped.
pub fn to_toml(rev: &Framework) -> String {
    let list = |v: &[String]| format!("[{}]", v.iter().map(|s| quoted(s)).collect::<Vec<_>>().join(", "));
    let mut out = format!("code = {}\nname = {}\ndocument = {}\n", quoted(&rev.code), quoted(&rev.name), quoted(&rev.document));
    if let Some(y) = rev.year {
        out.push_str(&format!("year = {y}\n"));
    }
    if let Some(l) = rev.level {
        out.push_str(&format!("level = {}\n", quoted(serde_json::to_value(l).expect("a level").as_str().unwrap_or_default())));
    }
    if let Some(p) = &rev.previous {
        out.push_str(&format!("previous = {}\n", quoted(p)));
    }
    out.push_str(&format!("complete = {}\nnote = {}\nnote_en = {}\n", rev.complete, quoted(&rev.note), quoted(&rev.note_en)));
    let mut tasks: Vec<(&str, &str)> = Vec::new();
    for r in &rev.rows {
        if !tasks.contains(&(r.domain.as_str(), r.task.as_str())) {
            tasks.push((&r.domain, &r.task));
        }
    }
    if tasks.is_empty() {
        out.push_str("categories = []\nindicators = []\n");
        return out;
    }
    for (i, (domain, task)) in tasks.iter().enumerate() {
        let (label, name) = task.split_once('）').map(|(l, n)| (format!("{l}）"), n.to_string())).unwrap_or((String::new(), task.to_string()));
        let d = domain_of(domain).unwrap_or(Domain::Institutions);
        out.push_str(&format!(
            "\n[[categories]]\nnumber = {}\nlabel = {}\nname = {}\nname_en = \"\"\ndomain = {}\ndomain_name = {}\n",
            i + 1,
            quoted(&label),
            quoted(&name),
            quoted(d.code()),
            quoted(domain)
        ));
    }
    let facts = |r: &Row| {
        let mut f = Vec::new();
        if let Some(t) = &r.target {
            f.push(format!("target = {}", quoted(t)));
        }
        if let Some(rule) = &r.rule {
            f.push(format!("rule = {}", quoted(rule)));
        }
        if r.attribute != Attribute::Unknown {
            f.push(format!("attribute = {}", quoted(serde_json::to_value(r.attribute).expect("an attribute").as_str().unwrap_or_default())));
        }
        if !r.scope.is_empty() {
            f.push(format!("scope = {}", quoted(&r.scope)));
        }
        if !r.variants.is_empty() {
            let v: Vec<String> = r
                .variants
                .iter()
                .map(|v| match &v.rule {
                    Some(rule) => format!("{{ region = {}, target = {}, rule = {} }}", quoted(&v.region), quoted(&v.target), quoted(rule)),
                    None => format!("{{ region = {}, target = {} }}", quoted(&v.region), quoted(&v.target)),
                })
                .collect();
            f.push(format!("variants = [{}]", v.join(", ")));
        }
        if !r.from.is_empty() {
            f.push(format!("from = {}", list(&r.from)));
        }
        for (k, v) in [("note", &r.note), ("note_en", &r.note_en)] {
            if !v.is_empty() {
                f.push(format!("{k} = {}", quoted(v)));
            }
        }
        f
    };
    let mut i = 0;
    while i < rev.rows.len() {
        let r = &rev.rows[i];
        let number = r.code.split('.').next().unwrap_or_default().to_string();
        let category = tasks.iter().position(|t| *t == (r.domain.as_str(), r.task.as_str())).expect("listed") + 1;
        let subs: Vec<&Row> = rev.rows[i..].iter().take_while(|s| s.code.contains('.') && s.code.split('.').next() == Some(number.as_str())).collect();
        if subs.is_empty() {
            out.push_str(&format!(
                "\n[[indicators]]\nnumber = {number}\nname = {}\nname_en = {}\ncategory = {category}\nunit = {}\n",
                quoted(&r.name),
                quoted(&r.name_en),
                quoted(&r.unit)
            ));
            for f in facts(r) {
                out.push_str(&f);
                out.push('\n');
            }
            i += 1;
        } else {
            out.push_str(&format!(
                "\n[[indicators]]\nnumber = {number}\nname = {}\nname_en = \"\"\ncategory = {category}\nunit = \"\"\nsub_indicators = [\n",
                quoted(&r.group)
            ));
            for s in &subs {
                let mut fields = vec![
                    format!("code = {}", quoted(&s.code)),
                    format!("name = {}", quoted(&s.name)),
                    format!("name_en = {}", quoted(&s.name_en)),
                    format!("unit = {}", quoted(&s.unit)),
                ];
                fields.extend(facts(s));
                out.push_str(&format!("  {{ {} }},\n", fields.join(", ")));
            }
            out.push_str("]\n");
            i += subs.len();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::read_toml;

    fn grid(rows: &[&[&str]]) -> Vec<(u32, Vec<String>)> {
        rows.iter().enumerate().map(|(i, r)| (i as u32 + 1, r.iter().map(|s| s.to_string()).collect())).collect()
    }

    #[test]
    fn the_ministrys_table_is_read_with_merged_cells_and_sub_indicators() {
        let g = grid(&[
            &["生态文明建设示范区（市）建设指标", "", "", "", "", "", "", ""],
            &["领域", "任务", "序号", "指标名称", "单位", "指标值", "指标属性", "适用范围"],
            &["目标责任", "（一）目标责任落实", "1", "生态文明建设工作占党政实绩考核的比例", "%", "≥20", "约束性", "市县"],
            &["", "", "2", "领导干部自然资源资产离任审计", "", "开展", "参考性指标", "市"],
            &["生态安全", "（二）环境质量改善", "3", "环境空气质量：优良天数比例", "%", "≥90", "约束性", "地级"],
            &["", "", "", "环境空气质量：PM2.5浓度", "μg/m³", "≤25", "约束性", "县（市、区）"],
            &["", "", "", "", "", "", "", ""],
        ]);
        let rev = read_table("test", "测试", Level::City, None, &g).unwrap();
        assert_eq!(rev.rows.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(), ["1", "2", "3.1", "3.2"]);
        let pm = &rev.rows[3];
        assert_eq!(
            (pm.group.as_str(), pm.name.as_str(), pm.domain.as_str(), pm.task.as_str(), pm.scope.as_str()),
            ("环境空气质量", "PM2.5浓度", "生态安全", "（二）环境质量改善", "县")
        );
        assert_eq!((rev.rows[0].scope.as_str(), rev.rows[0].attribute, rev.rows[1].attribute), ("市县", Attribute::Binding, Attribute::Reference));
        assert_eq!(rev.rows.iter().map(|r| r.rule.as_deref()).collect::<Vec<_>>(), [Some(">= 20"), Some("state 开展"), Some(">= 90"), Some("<= 25")]);
        for (printed, rule) in [
            ("100", Some("= 100")),
            ("△EQI>-1", None),
            ("≥25或持续提高", None),
            ("完成上级规定的考核任务", None),
            ("有效保障", Some("state 有效保障")),
            ("≤ 0.5%", Some("<= 0.5")),
        ] {
            assert_eq!(simple_rule(printed).as_deref(), rule, "{printed}");
        }
        // the reviewed file it makes reads back the same
        let again = read_toml("test.toml", &to_toml(&rev)).unwrap();
        assert_eq!(again.rows, rev.rows);
        assert_eq!((again.code.as_str(), again.level), ("test", Some(Level::City)));
    }

    #[test]
    fn a_bad_row_of_the_table_is_refused_at_its_row_and_column() {
        let g = grid(&[
            &["领域", "任务", "序号", "指标名称", "单位", "指标值", "指标属性", "适用范围", "对应上版序号"],
            &["目标责任", "（一）目标责任落实", "1", "考核比例", "%", "≥20", "约束性", "市", "3"],
            &["", "", "二", "离任审计", "", "开展", "强制性", "省", ""],
            &["生态天堂", "（二）", "3", "", "%", "100", "", "市", ""],
            &["", "", "2", "倒序", "%", "1", "", "市", ""],
            &["", "", "4", "控制\u{7}字符", "%", "1", "", "市", ""],
        ]);
        let problems = read_table("test", "测试", Level::City, None, &g).unwrap_err();
        let found: Vec<(u32, &str, &str)> = problems.iter().map(|p| (p.row, p.column.as_str(), p.error.code)).collect();
        assert_eq!(
            found,
            [
                (2, "对应上版序号", "no_previous"),
                (3, "序号", "not_a_number"),
                (3, "指标属性", "bad_attribute"),
                (3, "适用范围", "bad_scope"),
                (4, "领域", "unknown_domain"),
                (4, "指标名称", "missing"),
                (5, "序号", "out_of_order"),
                (6, "指标名称", "bad_text"),
            ]
        );
        let no_header = read_table("t", "t", Level::County, None, &grid(&[&["a", "b"], &["1", "2"]])).unwrap_err();
        assert_eq!(no_header[0].error.code, "no_header");
    }
}
