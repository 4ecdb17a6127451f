//! The reviewed data files of a plan (`data/frameworks/*.toml`, `data/<zone>/*.toml`) and
//! their assembly into a [`Plan`]: names resolved through the org units' aliases, periods and
//! budgets read, rules parsed, and the data-quality audit run. Every problem in the files is
//! an error naming the file, the entry and the field; every reading the data had to make is a
//! finding of the audit.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::audit::{self, Finding, FindingCode, Place, Severity};
use crate::framework::FrameworkFile;
use crate::model::*;
use crate::rule::{Direction, Rule};

/// The text of a plan's data files.
#[derive(Debug, Clone)]
pub struct PlanSource {
    pub framework: (String, String),
    pub plan: (String, String),
    pub indicators: (String, String),
    pub tasks: (String, String),
    pub projects: (String, String),
}

/// The Hohhot plan, embedded at build time.
pub fn hohhot() -> PlanSource {
    macro_rules! file {
        ($p:literal) => {
            ($p.to_string(), include_str!(concat!("../../../data/", $p)).to_string())
        };
    }
    PlanSource {
        framework: file!("frameworks/2021-city.toml"),
        plan: file!("hohhot/plan.toml"),
        indicators: file!("hohhot/indicators.toml"),
        tasks: file!("hohhot/tasks.toml"),
        projects: file!("hohhot/projects.toml"),
    }
}

/// An error in a plan's data files, with its place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {entry}: {field}: {message}")]
pub struct PlanDataError {
    pub file: String,
    pub entry: String,
    pub field: String,
    pub message: String,
}

fn err(file: &str, entry: impl Into<String>, field: &str, message: impl Into<String>) -> PlanDataError {
    PlanDataError { file: file.into(), entry: entry.into(), field: field.into(), message: message.into() }
}

// ---------- file formats ----------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanFile {
    code: String,
    title: String,
    title_en: String,
    document_number: String,
    issued_on: toml::value::Datetime,
    start_year: i32,
    end_year: i32,
    base_year: i32,
    review_date: toml::value::Datetime,
    framework: String,
    budget_column_unit: String,
    zone: ZoneRow,
    phases: Vec<PhaseRow>,
    org_units: Vec<OrgRow>,
    #[serde(default)]
    groups: Vec<GroupRow>,
    #[serde(default)]
    corrections: Vec<Correction>,
    /// The plan this one follows (a next plan drafted from the last).
    #[serde(default)]
    previous: Option<PreviousRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PreviousRow {
    code: String,
    end_year: i32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ZoneRow {
    code: String,
    name: String,
    name_en: String,
    level: ZoneLevel,
    kind: ZoneKind,
    #[serde(default)]
    parent: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PhaseRow {
    number: u32,
    name: String,
    name_en: String,
    start: toml::value::Datetime,
    end: toml::value::Datetime,
    milestones: Vec<MilestoneRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MilestoneRow {
    text: String,
    text_en: String,
    due: toml::value::Datetime,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrgRow {
    name: String,
    name_en: String,
    kind: OrgKind,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    region: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupRow {
    name: String,
    members: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Correction {
    field: String,
    printed: String,
    corrected: String,
    /// Why, in Chinese.
    #[serde(default)]
    note: String,
    /// Why, in English.
    #[serde(default)]
    note_en: String,
    /// A reading of correct text (an interpretation), not a fix of broken text.
    #[serde(default)]
    reading: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Assumption {
    field: String,
    printed: String,
    suggested: String,
    /// Why, in Chinese.
    #[serde(default)]
    note: String,
    /// Why, in English.
    #[serde(default)]
    note_en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IndicatorsFile {
    indicators: Vec<IndicatorRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IndicatorRow {
    code: String,
    name_printed: String,
    unit_printed: String,
    target_printed: String,
    rule: String,
    #[serde(default)]
    direction: Option<Direction>,
    lead_departments: Vec<String>,
    #[serde(default)]
    data_providers: Vec<String>,
    #[serde(default)]
    sub_indicators: Vec<SubRow>,
    #[serde(default)]
    applies_while_rate_at_most: Option<String>,
    /// The earlier plan's leaf this one continues (a plan with `[previous]`).
    #[serde(default)]
    continues: Option<String>,
    /// The base-year value of an indicator the earlier plan did not have.
    #[serde(default)]
    baseline: Option<String>,
    #[serde(default)]
    assumptions: Vec<Assumption>,
    #[serde(default)]
    corrections: Vec<Correction>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubRow {
    code: String,
    target_printed: String,
    rule: String,
    #[serde(default)]
    direction: Option<Direction>,
    #[serde(default)]
    continues: Option<String>,
    #[serde(default)]
    baseline: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TasksFile {
    tasks: Vec<TaskRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskRow {
    number: u32,
    section: u32,
    title: String,
    text: String,
    responsibility_printed: String,
    lead_departments: Vec<String>,
    responsible_departments: Vec<String>,
    #[serde(default)]
    survey_departments: Vec<String>,
    indicators: Vec<String>,
    #[serde(default)]
    quantities: Vec<QuantityRow>,
    /// The earlier plan's task this one continues.
    #[serde(default)]
    continues: Option<u32>,
    #[serde(default)]
    corrections: Vec<Correction>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuantityRow {
    what: String,
    amount: String,
    unit: String,
    #[serde(default)]
    deadline: Option<i32>,
    comparison: String,
    printed: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProjectsFile {
    projects: Vec<ProjectRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProjectRow {
    number: u32,
    domain_printed: String,
    name: String,
    assessed_indicators_printed: String,
    assessed_indicators: Vec<String>,
    scope: String,
    period_printed: String,
    budget_printed: String,
    implementers_printed: String,
    implementers: Vec<String>,
    /// The earlier plan's project this one continues, and its cumulative investment (万元).
    #[serde(default)]
    continues: Option<u32>,
    #[serde(default)]
    carried_investment_wan: Option<String>,
    #[serde(default)]
    corrections: Vec<Correction>,
}

fn parse_toml<T: serde::de::DeserializeOwned>(file: &(String, String)) -> Result<T, PlanDataError> {
    toml::from_str(&file.1).map_err(|e| {
        let entry = e.span().map(|s| format!("line {}", crate::framework::line_of(&file.1, s.start))).unwrap_or_default();
        err(&file.0, entry, "", e.message().to_string())
    })
}

fn date(file: &str, entry: &str, field: &str, d: &toml::value::Datetime) -> Result<NaiveDate, PlanDataError> {
    let Some(day) = d.date else {
        return Err(err(file, entry, field, "expected a date YYYY-MM-DD"));
    };
    NaiveDate::from_ymd_opt(i32::from(day.year), u32::from(day.month), u32::from(day.day))
        .ok_or_else(|| err(file, entry, field, format!("not a calendar date: {d}")))
}

/// Resolves printed names to org units, recording every use of an alias.
struct Names<'a> {
    units: &'a [OrgUnit],
    groups: &'a [GroupRow],
    findings: Vec<Finding>,
}

impl Names<'_> {
    /// Resolves one printed name (or group) to canonical names.
    fn resolve(&mut self, file: &str, place: Place, printed: &str) -> Result<Vec<String>, PlanDataError> {
        let n = printed.trim();
        if let Some(g) = self.groups.iter().find(|g| g.name == n) {
            let kind = match g.members.as_str() {
                "departments" => OrgKind::Department,
                "regions" => OrgKind::Region,
                other => return Err(err(file, format!("{} {}", place.table, place.row), &place.field, format!("unknown group members {other:?}"))),
            };
            return Ok(self.units.iter().filter(|u| u.kind == kind).map(|u| u.name.clone()).collect());
        }
        if let Some(u) = self.units.iter().find(|u| u.name == n) {
            return Ok(vec![u.name.clone()]);
        }
        if let Some(u) = self.units.iter().find(|u| u.aliases.iter().any(|a| a == n)) {
            self.findings.push(Finding::new(
                FindingCode::NameVariant,
                Severity::Info,
                place,
                n,
                &u.name,
                format!("“{n}”与“{}”为同一单位", u.name),
                format!("“{n}” and “{}” name the same org unit", u.name),
            ));
            return Ok(vec![u.name.clone()]);
        }
        Err(err(
            file,
            format!("{} {}", place.table, place.row),
            &place.field,
            format!("{n:?} is not an org unit of the plan nor an alias of one (add it to plan.toml)"),
        ))
    }

    fn resolve_all(&mut self, file: &str, place: &Place, printed: &[String]) -> Result<Vec<String>, PlanDataError> {
        let mut out: Vec<String> = Vec::new();
        for p in printed {
            for n in self.resolve(file, place.clone(), p)? {
                if !out.contains(&n) {
                    out.push(n);
                }
            }
        }
        Ok(out)
    }
}

fn correction_findings(table: &str, row: &str, corrections: &[Correction], out: &mut Vec<Finding>) {
    for c in corrections {
        let (code, severity) = if c.reading { (FindingCode::Assumption, Severity::Info) } else { (FindingCode::Correction, Severity::Warning) };
        out.push(Finding::new(code, severity, Place::new(table, row, &c.field), &c.printed, &c.corrected, c.note.clone(), c.note_en.clone()));
    }
}

/// Builds the plan from its data files and runs the audit.
pub fn build_plan(src: &PlanSource) -> Result<Plan, PlanDataError> {
    let fw: FrameworkFile = parse_toml(&src.framework)?;
    let pf: PlanFile = parse_toml(&src.plan)?;
    let inds: IndicatorsFile = parse_toml(&src.indicators)?;
    let tasks_file: TasksFile = parse_toml(&src.tasks)?;
    let projects_file: ProjectsFile = parse_toml(&src.projects)?;
    let (plan_name, ind_name, task_name, proj_name) = (&src.plan.0, &src.indicators.0, &src.tasks.0, &src.projects.0);

    // a zone's code names it everywhere (URLs, keys, the X-Ecociv-Zone header): one word of
    // ASCII letters, digits, - and _ (GB/T 2260 codes, SYN0001)
    let code_ok = |c: &str| (1..=32).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !code_ok(&pf.zone.code) {
        return Err(err(plan_name, "zone", "code", format!("{:?}: one word of 1 to 32 ASCII letters, digits, - or _", pf.zone.code)));
    }
    if let Some(p) = pf.zone.parent.as_deref().filter(|p| !code_ok(p)) {
        return Err(err(plan_name, "zone", "parent", format!("{p:?}: one word of 1 to 32 ASCII letters, digits, - or _")));
    }
    if pf.framework != fw.code {
        return Err(err(plan_name, "plan", "framework", format!("the plan follows {:?} but the framework file is {:?}", pf.framework, fw.code)));
    }
    let mut findings = Vec::new();
    correction_findings("plan", "plan", &pf.corrections, &mut findings);

    // org units
    let mut org_units: Vec<OrgUnit> = Vec::new();
    for o in &pf.org_units {
        let entry = format!("org_units {}", o.name);
        for other in &org_units {
            if other.name == o.name || other.aliases.contains(&o.name) || o.aliases.iter().any(|a| *a == other.name || other.aliases.contains(a)) {
                return Err(err(plan_name, &entry, "name", format!("{:?} clashes with the org unit {:?}", o.name, other.name)));
            }
        }
        // each other name once, and not its own name
        if let Some((i, a)) = o.aliases.iter().enumerate().find(|(i, a)| **a == o.name || o.aliases[..*i].contains(a)) {
            return Err(err(plan_name, &entry, "aliases", format!("{a:?} is given twice (other name {})", i + 1)));
        }
        org_units.push(OrgUnit { name: o.name.clone(), name_en: o.name_en.clone(), kind: o.kind, aliases: o.aliases.clone(), region: None });
    }
    for (i, o) in pf.org_units.iter().enumerate() {
        if let Some(r) = &o.region {
            match org_units.iter().find(|u| u.kind == OrgKind::Region && (u.name == *r || u.aliases.contains(r))) {
                Some(u) => org_units[i].region = Some(u.name.clone()),
                None => return Err(err(plan_name, format!("org_units {}", o.name), "region", format!("{r:?} is not a region"))),
            }
        }
    }
    let mut names = Names { units: &org_units, groups: &pf.groups, findings: Vec::new() };

    // categories and indicators
    let categories: Vec<Category> = fw
        .categories
        .iter()
        .map(|c| Category { number: c.number, label: c.label.clone(), name: c.name.clone(), name_en: c.name_en.clone(), domain: c.domain })
        .collect();
    let deadline = pf.end_year;
    let mut indicators = Vec::new();
    for fi in &fw.indicators {
        let code = fi.number.to_string();
        let entry = format!("indicator {code}");
        let cat = categories
            .iter()
            .find(|c| c.number == fi.category)
            .ok_or_else(|| err(&src.framework.0, &entry, "category", format!("no category {}", fi.category)))?;
        let row = inds
            .indicators
            .iter()
            .find(|r| r.code == code)
            .ok_or_else(|| err(ind_name, &entry, "code", "the plan's 附件1 has no row for this indicator of the framework"))?;
        let rule = check_rule(ind_name, &entry, "rule", &row.rule)?;
        let place = Place::new("indicators", &code, "lead_departments");
        let lead_departments = names.resolve_all(ind_name, &place, &row.lead_departments)?;
        let data_providers = names.resolve_all(ind_name, &Place::new("indicators", &code, "data_providers"), &row.data_providers)?;
        let mut subs = Vec::new();
        for fs in &fi.sub_indicators {
            let sr = row
                .sub_indicators
                .iter()
                .find(|s| s.code == fs.code)
                .ok_or_else(|| err(ind_name, &entry, "sub_indicators", format!("no row for sub-indicator {}", fs.code)))?;
            let sub_rule = check_rule(ind_name, &format!("sub-indicator {}", fs.code), "rule", &sr.rule)?;
            subs.push(SubIndicator {
                code: fs.code.clone(),
                name: fs.name.clone(),
                name_en: fs.name_en.clone(),
                unit: fs.unit.clone(),
                target: Target { printed: sr.target_printed.clone(), rule: sr.rule.clone(), deadline },
                direction: sr.direction.or_else(|| sub_rule.direction()),
                lead_departments: lead_departments.clone(),
                data_providers: data_providers.clone(),
            });
        }
        if let Some(extra) = row.sub_indicators.iter().find(|s| !fi.sub_indicators.iter().any(|f| f.code == s.code)) {
            return Err(err(ind_name, &entry, "sub_indicators", format!("{} is not a sub-indicator of the framework", extra.code)));
        }
        if subs.is_empty() == matches!(rule.value_kind(), crate::rule::ValueKind::Parts) {
            return Err(err(ind_name, &entry, "rule", "all_parts is for indicators with sub-indicators, and they need it"));
        }
        for a in &row.assumptions {
            findings.push(Finding::new(
                FindingCode::Assumption,
                Severity::Info,
                Place::new("indicators", &code, &a.field),
                &a.printed,
                &a.suggested,
                a.note.clone(),
                a.note_en.clone(),
            ));
        }
        correction_findings("indicators", &code, &row.corrections, &mut findings);
        indicators.push(Indicator {
            code: code.clone(),
            number: fi.number,
            name: fi.name.clone(),
            name_en: fi.name_en.clone(),
            name_printed: row.name_printed.clone(),
            domain: cat.domain,
            category: cat.number,
            unit: fi.unit.clone(),
            attribute: fi.attribute.unwrap_or(Attribute::Unknown),
            target: Target { printed: row.target_printed.clone(), rule: row.rule.clone(), deadline },
            direction: row.direction.or_else(|| rule.direction()),
            lead_departments,
            data_providers,
            sub_indicators: subs,
            applies_while_rate_at_most: row
                .applies_while_rate_at_most
                .as_deref()
                .map(|r| Decimal::from_str(r).map_err(|_| err(ind_name, &entry, "applies_while_rate_at_most", format!("{r:?} is not a decimal"))))
                .transpose()?,
        });
        let _ = &row.unit_printed;
    }
    if let Some(extra) = inds.indicators.iter().find(|r| !indicators.iter().any(|i| i.code == r.code)) {
        return Err(err(ind_name, format!("indicator {}", extra.code), "code", "not an indicator of the framework"));
    }
    let leaf_or_indicator = |c: &str| indicators.iter().any(|i| i.code == c || i.sub_indicators.iter().any(|s| s.code == c));

    // tasks
    let mut tasks = Vec::new();
    for t in &tasks_file.tasks {
        let row = t.number.to_string();
        let entry = format!("task {row}");
        for c in &t.indicators {
            if !leaf_or_indicator(c) {
                return Err(err(task_name, &entry, "indicators", format!("{c:?} is not an indicator code")));
            }
        }
        let mut quantities = Vec::new();
        for q in &t.quantities {
            let amount =
                Decimal::from_str(q.amount.trim()).map_err(|_| err(task_name, &entry, "quantities.amount", format!("{:?} is not a decimal", q.amount)))?;
            if !matches!(q.comparison.as_str(), ">=" | "<=" | ">" | "<" | "=") {
                return Err(err(task_name, &entry, "quantities.comparison", format!("{:?} is not one of >= <= > < =", q.comparison)));
            }
            quantities.push(Quantity {
                what: q.what.clone(),
                amount,
                unit: q.unit.clone(),
                deadline: q.deadline,
                comparison: q.comparison.clone(),
                printed: q.printed.clone(),
            });
        }
        let lead_departments = names.resolve_all(task_name, &Place::new("tasks", &row, "lead_departments"), &t.lead_departments)?;
        let responsible_departments = names.resolve_all(task_name, &Place::new("tasks", &row, "responsible_departments"), &t.responsible_departments)?;
        let survey_departments = names.resolve_all(task_name, &Place::new("tasks", &row, "survey_departments"), &t.survey_departments)?;
        correction_findings("tasks", &row, &t.corrections, &mut findings);
        tasks.push(Task {
            number: t.number,
            section: t.section,
            title: t.title.clone(),
            text: t.text.clone(),
            responsibility_printed: t.responsibility_printed.clone(),
            lead_departments,
            responsible_departments,
            survey_departments,
            indicators: t.indicators.clone(),
            quantities,
        });
    }
    check_numbering(task_name, "task", tasks.iter().map(|t| t.number))?;

    // projects
    let column_unit = pf.budget_column_unit.clone();
    let mut projects = Vec::new();
    for p in &projects_file.projects {
        let row = p.number.to_string();
        let entry = format!("project {row}");
        let domain = Domain::from_zh(&p.domain_printed)
            .ok_or_else(|| err(proj_name, &entry, "domain_printed", format!("{:?} is not one of the six domains", p.domain_printed)))?;
        for c in &p.assessed_indicators {
            if !leaf_or_indicator(c) {
                return Err(err(proj_name, &entry, "assessed_indicators", format!("{c:?} is not an indicator code")));
            }
        }
        let implementers = names.resolve_all(proj_name, &Place::new("projects", &row, "implementers"), &p.implementers)?;
        if implementers.is_empty() {
            return Err(err(proj_name, &entry, "implementers", "a project needs at least one implementer"));
        }
        correction_findings("projects", &row, &p.corrections, &mut findings);
        projects.push(Project {
            number: p.number,
            domain,
            name: p.name.clone(),
            assessed_indicators: p.assessed_indicators.clone(),
            assessed_indicators_printed: p.assessed_indicators_printed.clone(),
            scope: p.scope.clone(),
            period: audit::read_period(&p.period_printed),
            budget: None,
            implementers,
            implementers_printed: p.implementers_printed.clone(),
        });
        // budgets are read below, against the whole column
        let _ = &p.budget_printed;
    }
    check_numbering(proj_name, "project", projects.iter().map(|p| p.number))?;
    // a period the plan does not print is read as the plan's span (and reported by the audit)
    for p in projects.iter_mut().filter(|p| p.period.printed.trim().is_empty()) {
        p.period.start = Some(pf.start_year);
        p.period.end = Some(pf.end_year);
    }
    let printed_budgets: Vec<(u32, String)> = projects_file.projects.iter().map(|p| (p.number, p.budget_printed.clone())).collect();
    let budgets = audit::read_budgets(&printed_budgets, &column_unit).map_err(|(n, m)| err(proj_name, format!("project {n}"), "budget_printed", m))?;
    for (p, b) in projects.iter_mut().zip(budgets) {
        p.budget = b;
    }

    // phases
    let mut phases = Vec::new();
    for ph in &pf.phases {
        let entry = format!("phase {}", ph.number);
        let start = date(plan_name, &entry, "start", &ph.start)?;
        let end = date(plan_name, &entry, "end", &ph.end)?;
        if end < start {
            return Err(err(plan_name, &entry, "end", "the phase ends before it starts"));
        }
        let mut milestones = Vec::new();
        for m in &ph.milestones {
            milestones.push(Milestone { text: m.text.clone(), text_en: m.text_en.clone(), due: date(plan_name, &entry, "milestones.due", &m.due)? });
        }
        phases.push(Phase { number: ph.number, name: ph.name.clone(), name_en: ph.name_en.clone(), start, end, milestones });
    }
    phases.sort_by_key(|p| p.start);

    let mut hasher = Sha256::new();
    for f in [&src.framework, &src.plan, &src.indicators, &src.tasks, &src.projects] {
        hasher.update(f.0.as_bytes());
        hasher.update([0]);
        hasher.update(f.1.as_bytes());
        hasher.update([0]);
    }
    let content_hash = format!("{:x}", hasher.finalize());

    findings.extend(names.findings);
    let mut plan = Plan {
        zone: Zone {
            code: pf.zone.code.clone(),
            name: pf.zone.name.clone(),
            name_en: pf.zone.name_en.clone(),
            level: pf.zone.level,
            kind: pf.zone.kind,
            parent: pf.zone.parent.clone(),
            example_data: false,
        },
        code: pf.code.clone(),
        title: pf.title.clone(),
        title_en: pf.title_en.clone(),
        document_number: pf.document_number.clone(),
        issued_on: date(plan_name, "plan", "issued_on", &pf.issued_on)?,
        start_year: pf.start_year,
        end_year: pf.end_year,
        base_year: pf.base_year,
        review_date: date(plan_name, "plan", "review_date", &pf.review_date)?,
        framework: FrameworkRef { code: fw.code.clone(), name: fw.name.clone(), document: fw.document.clone() },
        categories,
        indicators,
        org_units,
        tasks,
        projects,
        phases,
        findings,
        content_hash,
        lineage: None,
        superseded_after: None,
    };
    plan.lineage = lineage(&pf, &inds, &tasks_file, &projects_file, (plan_name, ind_name, task_name, proj_name))?;
    let derived = audit::audit(&plan);
    plan.findings.extend(derived);
    audit::sort(&mut plan.findings);
    Ok(plan)
}

/// What the plan continues of the one before it, from `[previous]` and each row's `continues`
/// (and `baseline`, `carried_investment_wan`); None for a first plan, where these are refused.
fn lineage(
    pf: &PlanFile,
    inds: &IndicatorsFile,
    tasks: &TasksFile,
    projects: &ProjectsFile,
    (plan_name, ind_name, task_name, proj_name): (&str, &str, &str, &str),
) -> Result<Option<Lineage>, PlanDataError> {
    let Some(prev) = &pf.previous else {
        let continued = inds.indicators.iter().find(|r| r.continues.is_some() || r.sub_indicators.iter().any(|s| s.continues.is_some()));
        if let Some(r) = continued {
            return Err(err(ind_name, format!("indicator {}", r.code), "continues", "the plan names no earlier plan ([previous] in plan.toml)"));
        }
        if let Some(t) = tasks.tasks.iter().find(|t| t.continues.is_some()) {
            return Err(err(task_name, format!("task {}", t.number), "continues", "the plan names no earlier plan ([previous] in plan.toml)"));
        }
        if let Some(p) = projects.projects.iter().find(|p| p.continues.is_some() || p.carried_investment_wan.is_some()) {
            return Err(err(proj_name, format!("project {}", p.number), "continues", "the plan names no earlier plan ([previous] in plan.toml)"));
        }
        return Ok(None);
    };
    if prev.code.trim().is_empty() || prev.code == pf.code {
        return Err(err(plan_name, "previous", "code", "the earlier plan's code, which differs from this plan's"));
    }
    if prev.end_year >= pf.start_year {
        return Err(err(
            plan_name,
            "previous",
            "end_year",
            format!("the earlier plan ends in {}, not before this one starts ({})", prev.end_year, pf.start_year),
        ));
    }
    let mut l = Lineage { previous: prev.code.clone(), previous_end_year: prev.end_year, ..Lineage::default() };
    let mut leaf = |code: &str, continues: &Option<String>, baseline: &Option<String>| {
        let entry = format!("indicator {code}");
        match (continues.as_deref().map(str::trim), baseline.as_deref().map(str::trim)) {
            (Some(""), _) => return Err(err(ind_name, &entry, "continues", "empty: name the earlier plan's indicator, or leave the field out")),
            (Some(c), _) => {
                l.leaves.insert(code.to_string(), c.to_string());
            }
            (None, Some(b)) if !b.is_empty() => {
                l.baselines.insert(code.to_string(), b.to_string());
            }
            _ => {}
        }
        Ok(())
    };
    for r in &inds.indicators {
        if r.sub_indicators.is_empty() {
            leaf(&r.code, &r.continues, &r.baseline)?;
        } else if r.continues.is_some() || r.baseline.is_some() {
            return Err(err(ind_name, format!("indicator {}", r.code), "continues", "an indicator with sub-indicators continues through each of them"));
        }
        for s in &r.sub_indicators {
            leaf(&s.code, &s.continues, &s.baseline)?;
        }
    }
    for t in &tasks.tasks {
        if let Some(c) = t.continues {
            l.tasks.insert(t.number, c);
        }
    }
    for p in &projects.projects {
        let entry = format!("project {}", p.number);
        if let Some(c) = p.continues {
            l.projects.insert(p.number, c);
        }
        if let Some(amount) = &p.carried_investment_wan {
            if p.continues.is_none() {
                return Err(err(proj_name, &entry, "carried_investment_wan", "only a project that continues one of the earlier plan brings an investment"));
            }
            let a = Decimal::from_str(amount.trim()).map_err(|_| err(proj_name, &entry, "carried_investment_wan", format!("{amount:?} is not a decimal")))?;
            if a.is_sign_negative() {
                return Err(err(proj_name, &entry, "carried_investment_wan", "below zero"));
            }
            l.carried_investment_wan.insert(p.number, a);
        }
    }
    for (what, file, dup) in [("task", task_name, first_repeat(l.tasks.values())), ("project", proj_name, first_repeat(l.projects.values()))] {
        if let Some(n) = dup {
            return Err(err(file, format!("{what} {n}"), "continues", format!("two {what}s continue the earlier plan's {what} {n}")));
        }
    }
    Ok(Some(l))
}

fn first_repeat<'a>(numbers: impl Iterator<Item = &'a u32>) -> Option<u32> {
    let mut seen = std::collections::BTreeSet::new();
    numbers.copied().find(|n| !seen.insert(*n))
}

fn check_rule(file: &str, entry: &str, field: &str, text: &str) -> Result<Rule, PlanDataError> {
    Rule::parse(text).map_err(|e| err(file, entry, field, format!("rule {text:?}: {e}")))
}

fn check_numbering(file: &str, what: &str, numbers: impl Iterator<Item = u32>) -> Result<(), PlanDataError> {
    let mut seen = BTreeMap::new();
    for (i, n) in numbers.enumerate() {
        if seen.insert(n, ()).is_some() {
            return Err(err(file, format!("{what} {n}"), "number", "the number is used twice"));
        }
        if n as usize != i + 1 {
            return Err(err(file, format!("{what} {n}"), "number", format!("expected number {} here (entries are numbered 1, 2, … in order)", i + 1)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hohhot_plan_builds_complete() {
        let plan = build_plan(&hohhot()).unwrap();
        assert_eq!(plan.indicators.len(), 36);
        assert_eq!(plan.tasks.len(), 37);
        assert_eq!(plan.projects.len(), 76);
        assert_eq!(plan.phases.len(), 3);
        assert_eq!(plan.leaves().len(), 36 - 5 + 2 + 2 + 3 + 2 + 3);
        let i35 = plan.indicator("35").unwrap();
        assert_eq!(i35.lead_departments, vec!["市生态环境局"]);
        assert_eq!(i35.data_providers, vec!["市统计局"]);
        assert_eq!(plan.indicator("32").unwrap().lead_departments, vec!["市市场监督管理局"]);
        let t9 = plan.task(9).unwrap();
        assert!(t9.quantities.iter().any(|q| q.amount == Decimal::from_str("67").unwrap() && q.unit == "万亩" && q.deadline == Some(2025)));
        assert!(t9.quantities.iter().any(|q| q.amount == Decimal::from_str("42.5").unwrap()));
        assert!(t9.quantities.iter().any(|q| q.amount == Decimal::from_str("44.67").unwrap()));
        let zhujian = |p: &&Project| p.implementers.contains(&"市住建局".to_string());
        assert_eq!(plan.projects.iter().filter(zhujian).filter(|p| p.implementers.len() == 1).count(), 22, "市住建局 alone implements 22");
        assert_eq!(plan.projects.iter().filter(zhujian).count(), 23, "and one more jointly (33)");
        let p8 = plan.project(8).unwrap();
        assert_eq!(p8.implementers, vec!["和林格尔县", "清水河县"]);
        // every rule parses
        for l in plan.leaves() {
            l.target.parse_rule().unwrap();
        }
        // every finding explains itself in both languages
        for f in &plan.findings {
            assert!(f.note.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "zh note of {:?}", f.place);
            assert!(!f.note_en.is_empty(), "en note of {:?}", f.place);
        }
    }

    #[test]
    fn unknown_org_unit_is_an_error_with_place() {
        let mut src = hohhot();
        src.projects.1 = src.projects.1.replacen("implementers = [\"市委组织部\"]", "implementers = [\"市不存在局\"]", 1);
        let e = build_plan(&src).unwrap_err();
        assert_eq!(e.file, "hohhot/projects.toml");
        assert_eq!(e.entry, "projects 1");
        assert_eq!(e.field, "implementers");
        assert!(e.message.contains("市不存在局"));
    }

    #[test]
    fn an_other_name_given_twice_is_an_error_with_place() {
        let mut src = hohhot();
        src.plan.1 = src.plan.1.replacen("aliases = [\"统计局\"]", "aliases = [\"统计局\", \"统计局\"]", 1);
        let e = build_plan(&src).unwrap_err();
        assert_eq!((e.entry.as_str(), e.field.as_str()), ("org_units 市统计局", "aliases"), "{e}");
    }

    #[test]
    fn bad_rule_is_an_error_with_place() {
        let mut src = hohhot();
        src.indicators.1 = src.indicators.1.replacen("rule = \">= 20\"", "rule = \">= twenty\"", 1);
        let e = build_plan(&src).unwrap_err();
        assert_eq!((e.entry.as_str(), e.field.as_str()), ("indicator 3", "rule"));
        assert!(e.message.contains("column 4"), "{}", e.message);
    }

    #[test]
    fn broken_toml_names_the_line() {
        let mut src = hohhot();
        src.tasks.1.push_str("\n[[tasks]\n");
        let e = build_plan(&src).unwrap_err();
        assert_eq!(e.file, "hohhot/tasks.toml");
        assert!(e.entry.starts_with("line "), "{e}");
    }
}
