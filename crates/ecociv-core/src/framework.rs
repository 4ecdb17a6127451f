//! Indicator frameworks (国家生态文明建设示范区建设指标) as data, revision by revision: the 2019
//! set, the 2021 city set a plan follows, the 2024 city and county sets — each as far as its text
//! is known, the rest marked unknown, never invented. A revision is read from a reviewed TOML
//! file (`data/frameworks/*.toml`, the format the plan loader reads too) or from the ministry's
//! own table layout (`领域 | 任务 | 序号 | 指标名称 | 单位 | 指标值 | 指标属性 | 适用范围`, every row
//! it cannot read located); and two revisions are compared row by row ([`diff`]): kept,
//! changed (name, unit, target), added, dropped (or, against a revision known only in part,
//! not seen), split and merged. Pure.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::{Attribute, Domain};

// ---------- the file format (shared with the plan loader) ----------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FrameworkFile {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) document: String,
    #[serde(default)]
    pub(crate) year: Option<i32>,
    #[serde(default)]
    pub(crate) level: Option<Level>,
    /// The revision this one follows (what its rows' `from` name).
    #[serde(default)]
    pub(crate) previous: Option<String>,
    /// Whether every row of the revision is here.
    #[serde(default = "yes")]
    pub(crate) complete: bool,
    #[serde(default)]
    pub(crate) note: String,
    #[serde(default)]
    pub(crate) note_en: String,
    pub(crate) categories: Vec<CategoryRow>,
    pub(crate) indicators: Vec<FrameworkIndicator>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CategoryRow {
    pub(crate) number: u32,
    pub(crate) label: String,
    pub(crate) name: String,
    pub(crate) name_en: String,
    pub(crate) domain: Domain,
    /// The 领域 as the revision prints it, where it differs from the domain's usual name.
    #[serde(default)]
    pub(crate) domain_name: Option<String>,
}

/// A row of a revision beside its name: its target (`None`: not known), scope, regional
/// variants, the previous revision's rows it continues (`from`), and a note.
macro_rules! row_facts {
    ($(#[$m:meta])* struct $name:ident { $($(#[$fm:meta])* $field:ident: $ty:ty,)* }) => {
        $(#[$m])*
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        pub(crate) struct $name {
            $($(#[$fm])* pub(crate) $field: $ty,)*
            #[serde(default)]
            pub(crate) attribute: Option<Attribute>,
            #[serde(default)]
            pub(crate) target: Option<String>,
            /// The target as a rule of `crate::rule`, where it can be read as one.
            #[serde(default)]
            pub(crate) rule: Option<String>,
            #[serde(default)]
            pub(crate) scope: String,
            #[serde(default)]
            pub(crate) variants: Vec<Variant>,
            #[serde(default)]
            pub(crate) from: Vec<String>,
            #[serde(default)]
            pub(crate) note: String,
            #[serde(default)]
            pub(crate) note_en: String,
        }
    };
}

row_facts! {
    /// An indicator of a framework file.
    struct FrameworkIndicator {
        number: u32,
        name: String,
        name_en: String,
        category: u32,
        unit: String,
        #[serde(default)]
        sub_indicators: Vec<FrameworkSub>,
    }
}

row_facts! {
    /// A sub-indicator of a framework file.
    struct FrameworkSub {
        code: String,
        name: String,
        name_en: String,
        unit: String,
    }
}

/// The line (from 1) of the byte `at` of `text`: where a TOML file's error is (the frameworks',
/// the plan loader's and the scoring rules').
pub(crate) fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())].iter().filter(|b| **b == b'\n').count() + 1
}

/// A regional variant of a target: the region (干旱半干旱地区, 山区, 东部 …) and its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    pub region: String,
    pub target: String,
    /// The target as a rule, where it can be read as one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

/// Whom a revision is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 市 (a city, prefecture level).
    City,
    /// 县 (a county, district or banner).
    County,
    /// One table for both, told apart by each row's scope (2019).
    CityCounty,
}

// ---------- the revision as read ----------

/// One revision of the indicator framework (glossary: `Framework`), its rows and how much is known.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Framework {
    pub code: String,
    pub name: String,
    /// Its document number; empty when not known.
    pub document: String,
    pub year: Option<i32>,
    pub level: Option<Level>,
    /// The revision this one follows.
    pub previous: Option<String>,
    /// Whether every row is here; `false`: only those seen (what is absent is not known).
    pub complete: bool,
    pub note: String,
    pub note_en: String,
    pub rows: Vec<Row>,
}

/// One row of a revision: an indicator without sub-indicators, or a sub-indicator.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Row {
    /// `3`, `4.1`.
    pub code: String,
    /// 领域, as the revision prints it.
    pub domain: String,
    /// 任务 (the category), with its label: `（一）目标责任落实`.
    pub task: String,
    /// The indicator a sub-indicator belongs to; empty for an indicator.
    pub group: String,
    /// Empty when not known.
    pub name: String,
    pub name_en: String,
    pub unit: String,
    /// `None`: not known.
    pub target: Option<String>,
    /// The target as a rule (`>= 20`, `>= upper_target and (>= 90 or increasing)`), if it is one.
    pub rule: Option<String>,
    pub attribute: Attribute,
    /// 适用范围: 市, 县, 市县; empty when not known.
    pub scope: String,
    pub variants: Vec<Variant>,
    /// The codes of the previous revision's rows this one continues.
    pub from: Vec<String>,
    pub note: String,
    pub note_en: String,
}

/// A revision's file that cannot be read: where (`line 12`, `row 4.1`) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {place}: {message}")]
pub struct FileError {
    pub file: String,
    pub place: String,
    pub message: String,
}

/// The files of the revisions shipped with ecociv (name, text), oldest first.
const SHIPPED: [(&str, &str); 4] = [
    ("frameworks/2019.toml", include_str!("../../../data/frameworks/2019.toml")),
    ("frameworks/2021-city.toml", include_str!("../../../data/frameworks/2021-city.toml")),
    ("frameworks/2024-city.toml", include_str!("../../../data/frameworks/2024-city.toml")),
    ("frameworks/2024-county.toml", include_str!("../../../data/frameworks/2024-county.toml")),
];

/// The revisions shipped with ecociv, oldest first (read once).
pub fn shipped() -> &'static [Framework] {
    static REVISIONS: std::sync::LazyLock<Vec<Framework>> = std::sync::LazyLock::new(|| {
        SHIPPED.into_iter().map(|(file, text)| read_toml(file, text).expect("the shipped frameworks are checked by their test")).collect()
    });
    &REVISIONS
}

/// The file of a shipped revision (name, text) by its code: what a plan's data files name.
pub fn shipped_file(code: &str) -> Option<(&'static str, &'static str)> {
    SHIPPED.into_iter().find(|(file, _)| file.trim_start_matches("frameworks/").trim_end_matches(".toml") == code.trim())
}

/// A shipped revision by its code.
pub fn shipped_revision(code: &str) -> Option<&'static Framework> {
    shipped().iter().find(|r| r.code == code.trim())
}

/// Reads a revision from its reviewed TOML file, checking that every indicator names a category
/// of the file, that no code is used twice, and that every `from` is given with a `previous`.
pub fn read_toml(file: &str, text: &str) -> Result<Framework, FileError> {
    let bad = |place: String, message: String| FileError { file: file.into(), place, message };
    let f: FrameworkFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
        bad(format!("line {line}"), e.message().to_string())
    })?;
    let mut rows: Vec<Row> = Vec::new();
    for fi in &f.indicators {
        let place = format!("indicator {}", fi.number);
        let cat = f.categories.iter().find(|c| c.number == fi.category).ok_or_else(|| bad(place.clone(), format!("no category {}", fi.category)))?;
        let domain = cat.domain_name.clone().unwrap_or_else(|| crate::locale::t(crate::Locale::Zh, &format!("domain.{}", cat.domain.code())).to_string());
        let task = format!("{}{}", cat.label, cat.name);
        let row = |code: String, group: &str, name: &str, name_en: &str, unit: &str, attribute: Option<Attribute>| Row {
            code,
            domain: domain.clone(),
            task: task.clone(),
            group: group.to_string(),
            name: name.to_string(),
            name_en: name_en.to_string(),
            unit: unit.to_string(),
            target: None,
            rule: None,
            attribute: attribute.unwrap_or(Attribute::Unknown),
            scope: String::new(),
            variants: Vec::new(),
            from: Vec::new(),
            note: String::new(),
            note_en: String::new(),
        };
        if fi.sub_indicators.is_empty() {
            let mut r = row(fi.number.to_string(), "", &fi.name, &fi.name_en, &fi.unit, fi.attribute);
            (r.target, r.rule, r.scope, r.variants, r.from, r.note, r.note_en) =
                (fi.target.clone(), fi.rule.clone(), fi.scope.clone(), fi.variants.clone(), fi.from.clone(), fi.note.clone(), fi.note_en.clone());
            rows.push(r);
        } else {
            for s in &fi.sub_indicators {
                let mut r = row(s.code.clone(), &fi.name, &s.name, &s.name_en, &s.unit, s.attribute.or(fi.attribute));
                (r.target, r.rule, r.scope, r.variants, r.from, r.note, r.note_en) =
                    (s.target.clone(), s.rule.clone(), s.scope.clone(), s.variants.clone(), s.from.clone(), s.note.clone(), s.note_en.clone());
                rows.push(r);
            }
        }
    }
    for (i, r) in rows.iter().enumerate() {
        if rows[..i].iter().any(|o| o.code == r.code) {
            return Err(bad(format!("row {}", r.code), "the code is used twice".into()));
        }
        for rule in r.rule.iter().chain(r.variants.iter().filter_map(|v| v.rule.as_ref())) {
            crate::rule::Rule::parse(rule).map_err(|e| bad(format!("row {}", r.code), format!("rule {rule:?}: {e}")))?;
        }
        if r.rule.is_some() && r.target.is_none() {
            return Err(bad(format!("row {}", r.code), "a rule without the target it reads".into()));
        }
        if !r.from.is_empty() && f.previous.is_none() {
            return Err(bad(format!("row {}", r.code), "`from` names rows of a previous revision, but the file names none (`previous`)".into()));
        }
    }
    Ok(Framework {
        code: f.code,
        name: f.name,
        document: f.document,
        year: f.year,
        level: f.level,
        previous: f.previous,
        complete: f.complete,
        note: f.note,
        note_en: f.note_en,
        rows,
    })
}

// ---------- comparing two revisions ----------

/// How a row fared from one revision to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Continued, with nothing known to differ (see `unknown` for what could not be compared).
    Kept,
    /// Continued, with its name, unit or target changed.
    Changed,
    /// One row became several.
    Split,
    /// Several rows became one.
    Merged,
    /// New.
    Added,
    /// Matched to no row of an older revision known only in part: new, or in its unseen rows.
    NotSeenBefore,
    /// Gone: the newer revision is complete and continues it nowhere.
    Dropped,
    /// Absent from the rows known of a newer revision known only in part: perhaps dropped,
    /// perhaps in its unseen rows.
    NotSeen,
}

impl ChangeKind {
    pub fn code(self) -> &'static str {
        match self {
            ChangeKind::Kept => "kept",
            ChangeKind::Changed => "changed",
            ChangeKind::Split => "split",
            ChangeKind::Merged => "merged",
            ChangeKind::Added => "added",
            ChangeKind::NotSeenBefore => "not_seen_before",
            ChangeKind::Dropped => "dropped",
            ChangeKind::NotSeen => "not_seen",
        }
    }
}

/// A row as a comparison shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RowRef {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub target: Option<String>,
}

impl From<&Row> for RowRef {
    fn from(r: &Row) -> Self {
        RowRef { code: r.code.clone(), name: r.name.clone(), unit: r.unit.clone(), target: r.target.clone() }
    }
}

/// A field that differs: `name`, `unit` or `target`, before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldChange {
    pub field: String,
    pub old: String,
    pub new: String,
}

/// One line of a comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Change {
    pub kind: ChangeKind,
    /// The older revision's rows.
    pub old: Vec<RowRef>,
    /// The newer revision's rows.
    pub new: Vec<RowRef>,
    /// What differs, for a kept or changed row.
    pub fields: Vec<FieldChange>,
    /// What could not be compared: `name`, `target` where one side is not known.
    pub unknown: Vec<String>,
}

/// A comparison of two revisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Diff {
    pub old: String,
    pub new: String,
    /// Whether rows were matched by the newer revision's `from` (it follows the older) or, for
    /// revisions that are not consecutive, by their names alone.
    pub by_lineage: bool,
    /// Whether the newer revision is known whole; when not, what is known of it.
    pub new_complete: bool,
    pub new_note: String,
    pub new_note_en: String,
    pub changes: Vec<Change>,
}

impl Diff {
    /// The comparison for people: a line per change, what is known of the newer revision, and
    /// the count of each kind.
    pub fn text(&self, l: crate::Locale) -> String {
        let mut out = format!("{} → {}\n", self.old, self.new);
        if !self.by_lineage {
            out.push_str(&format!("{}\n", crate::locale::t(l, "framework.by_name")));
        }
        if !self.new_complete {
            let note = if l == crate::Locale::Zh || self.new_note_en.is_empty() { &self.new_note } else { &self.new_note_en };
            out.push_str(&format!("{}\n", crate::locale::tf(l, "framework.incomplete", &[("code", self.new.clone()), ("note", note.clone())])));
        }
        for c in &self.changes {
            out.push_str(&c.describe(l));
            out.push('\n');
        }
        out.push_str(&self.summary(l));
        out.push('\n');
        out
    }

    /// How many rows changed each way, in one line.
    pub fn summary(&self, l: crate::Locale) -> String {
        let n = |k: ChangeKind| (k.code(), self.of(k).count().to_string());
        let kinds = [
            ChangeKind::Kept,
            ChangeKind::Changed,
            ChangeKind::Split,
            ChangeKind::Merged,
            ChangeKind::Added,
            ChangeKind::NotSeenBefore,
            ChangeKind::Dropped,
            ChangeKind::NotSeen,
        ];
        crate::locale::tf(l, "framework.summary", &kinds.map(n))
    }

    /// The changes of one kind.
    pub fn of(&self, kind: ChangeKind) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(move |c| c.kind == kind)
    }
}

impl Change {
    /// The change on one line, for people: `改变  24 城镇污水处理率 → 6.1 城市生活污水集中收集率（名称；指标值 ≥95 → ≥70）`.
    pub fn describe(&self, l: crate::Locale) -> String {
        let rows = |rs: &[RowRef]| {
            let unnamed = crate::locale::t(l, "framework.name_unknown");
            rs.iter().map(|r| format!("{} {}", r.code, if r.name.is_empty() { unnamed } else { &r.name })).collect::<Vec<_>>().join(", ")
        };
        let kind = crate::locale::t(l, &format!("framework.kind.{}", self.kind.code()));
        let mut line = match (self.old.is_empty(), self.new.is_empty()) {
            (true, _) => format!("{kind}  → {}", rows(&self.new)),
            (_, true) => format!("{kind}  {}", rows(&self.old)),
            _ => format!("{kind}  {} → {}", rows(&self.old), rows(&self.new)),
        };
        let mut said: Vec<String> = self
            .fields
            .iter()
            .map(|f| {
                let field = crate::locale::t(l, &format!("framework.field.{}", f.field));
                // an empty unit or target shown as —
                let show = |s: &str| if s.is_empty() { "—".to_string() } else { s.to_string() };
                if f.field == "name" { field.to_string() } else { format!("{field} {} → {}", show(&f.old), show(&f.new)) }
            })
            .collect();
        said.extend(
            self.unknown
                .iter()
                .map(|f| crate::locale::tf(l, "framework.unknown_field", &[("field", crate::locale::t(l, &format!("framework.field.{f}")).to_string())])),
        );
        if !said.is_empty() {
            line.push_str(&format!(" ({})", said.join("; ")));
        }
        line
    }
}

/// Compares `old` with `new`, row by row. When `new` follows `old` (its `previous`), each of its
/// rows is matched to the rows its `from` names: one to one, kept or changed; one to several,
/// split; several to one, merged; none, added (or, when the older revision is known only in
/// part, not seen before). Otherwise rows are matched by their names. An older row that no
/// newer row continues is dropped, or not seen when the newer revision is known only in part. A
/// field is compared only where both sides know it.
pub fn diff(old: &Framework, new: &Framework) -> Diff {
    let by_lineage = new.previous.as_deref() == Some(old.code.as_str());
    let old_row = |code: &str| old.rows.iter().find(|o| o.code == code);
    // the old rows each new row continues: by its `from` when it follows `old`, else by name
    // (a revision compared with itself, by code); each named once
    let sources: Vec<Vec<&Row>> = new
        .rows
        .iter()
        .map(|r| {
            let mut rows: Vec<&Row> = Vec::new();
            let found: Vec<&Row> = if old.code == new.code {
                old_row(&r.code).into_iter().collect()
            } else if by_lineage {
                r.from.iter().filter_map(|c| old_row(c)).collect()
            } else {
                old.rows.iter().filter(|o| !o.name.is_empty() && o.name == r.name).collect()
            };
            for o in found {
                if !rows.iter().any(|x| x.code == o.code) {
                    rows.push(o);
                }
            }
            rows
        })
        .collect();
    let continues = |src: &[&Row], code: &str| src.iter().any(|o| o.code == code);
    let mut changes = Vec::new();
    let mut split_done: Vec<String> = Vec::new();
    for (r, src) in new.rows.iter().zip(&sources) {
        match src.as_slice() {
            [] => {
                let kind = if old.complete { ChangeKind::Added } else { ChangeKind::NotSeenBefore };
                changes.push(Change { kind, old: vec![], new: vec![r.into()], fields: vec![], unknown: vec![] })
            }
            [o] => {
                // the new rows that continue this one alone (a row of several is a merge)
                let heirs: Vec<&Row> = new.rows.iter().zip(&sources).filter(|(_, s)| s.len() == 1 && continues(s, &o.code)).map(|(n, _)| n).collect();
                if heirs.len() > 1 {
                    if !split_done.contains(&o.code) {
                        split_done.push(o.code.clone());
                        changes.push(Change {
                            kind: ChangeKind::Split,
                            old: vec![(*o).into()],
                            new: heirs.iter().map(|h| (*h).into()).collect(),
                            fields: vec![],
                            unknown: vec![],
                        });
                    }
                } else {
                    let (fields, unknown) = compare(o, r);
                    let kind = if fields.is_empty() { ChangeKind::Kept } else { ChangeKind::Changed };
                    changes.push(Change { kind, old: vec![(*o).into()], new: vec![r.into()], fields, unknown });
                }
            }
            many => changes.push(Change {
                kind: ChangeKind::Merged,
                old: many.iter().map(|o| (*o).into()).collect(),
                new: vec![r.into()],
                fields: vec![],
                unknown: vec![],
            }),
        }
    }
    for o in &old.rows {
        if !sources.iter().any(|s| continues(s, &o.code)) {
            let kind = if new.complete { ChangeKind::Dropped } else { ChangeKind::NotSeen };
            changes.push(Change { kind, old: vec![o.into()], new: vec![], fields: vec![], unknown: vec![] });
        }
    }
    Diff {
        old: old.code.clone(),
        new: new.code.clone(),
        by_lineage,
        new_complete: new.complete,
        new_note: new.note.clone(),
        new_note_en: new.note_en.clone(),
        changes,
    }
}

/// The fields of two rows that differ, and those that could not be compared.
fn compare(o: &Row, n: &Row) -> (Vec<FieldChange>, Vec<String>) {
    let (mut fields, mut unknown) = (Vec::new(), Vec::new());
    let known = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let pairs =
        [("name", known(&o.name), known(&n.name)), ("unit", Some(o.unit.clone()), Some(n.unit.clone())), ("target", o.target.clone(), n.target.clone())];
    for (field, a, b) in pairs {
        match (a, b) {
            (Some(a), Some(b)) if a != b => fields.push(FieldChange { field: field.into(), old: a, new: b }),
            (Some(_), Some(_)) => {}
            _ => unknown.push(field.to_string()),
        }
    }
    (fields, unknown)
}
