//! The plan model: a zone's plan with its domains, categories, indicators, org units, tasks,
//! projects, phases and the findings of the data-quality audit. Built from the reviewed data
//! files by [`crate::plan_data`], stored by `ecociv-store`, shown by `ecociv-web`.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::finding::Finding;
use crate::locale::{Locale, t};
use crate::rule::{Direction, Rule, RuleParseError};

/// The six domains of the national indicator system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Domain {
    Institutions,
    Security,
    Space,
    Economy,
    Living,
    Culture,
}

impl Domain {
    pub const ALL: [Domain; 6] = [Domain::Institutions, Domain::Security, Domain::Space, Domain::Economy, Domain::Living, Domain::Culture];

    pub fn code(self) -> &'static str {
        match self {
            Domain::Institutions => "institutions",
            Domain::Security => "security",
            Domain::Space => "space",
            Domain::Economy => "economy",
            Domain::Living => "living",
            Domain::Culture => "culture",
        }
    }
    pub fn from_code(s: &str) -> Option<Domain> {
        Domain::ALL.into_iter().find(|d| d.code() == s)
    }
    /// The Chinese name as the plan prints it (生态制度 …).
    pub fn name_zh(self) -> &'static str {
        match self {
            Domain::Institutions => "生态制度",
            Domain::Security => "生态安全",
            Domain::Space => "生态空间",
            Domain::Economy => "生态经济",
            Domain::Living => "生态生活",
            Domain::Culture => "生态文化",
        }
    }
    pub fn from_zh(s: &str) -> Option<Domain> {
        Domain::ALL.into_iter().find(|d| d.name_zh() == s.trim())
    }
    /// The name in a language (in zh-CN the name the plan prints).
    pub fn name(self, l: Locale) -> &'static str {
        match self {
            Domain::Institutions => t(l, "domain.institutions"),
            Domain::Security => t(l, "domain.security"),
            Domain::Space => t(l, "domain.space"),
            Domain::Economy => t(l, "domain.economy"),
            Domain::Living => t(l, "domain.living"),
            Domain::Culture => t(l, "domain.culture"),
        }
    }
}

/// Zone level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ZoneLevel {
    City,
    County,
}

/// The title a zone holds or is creating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ZoneKind {
    DemonstrationZone,
    TwoMountainsBase,
}

/// A place that holds (or is creating) the national title.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Zone {
    /// The administrative division code (GB/T 2260), e.g. `150100` for Hohhot.
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub level: ZoneLevel,
    pub kind: ZoneKind,
    pub parent: Option<String>,
    /// The zone's data are examples (a try-out, `ecociv demo`): every page and document says so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub example_data: bool,
}

/// One of the ten indicator groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Category {
    pub number: u32,
    /// The numbering as printed: （一） … （十）.
    pub label: String,
    pub name: String,
    pub name_en: String,
    pub domain: Domain,
}

/// 约束性 / 参考性.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Attribute {
    Binding,
    Reference,
    /// The plan does not print it and the framework text was not available.
    Unknown,
}

/// A target: the printed text, the rule it is read as, and its deadline year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Target {
    pub printed: String,
    pub rule: String,
    pub deadline: i32,
}

impl Target {
    pub fn parse_rule(&self) -> Result<Rule, RuleParseError> {
        Rule::parse(&self.rule)
    }
}

/// A part of a composite indicator (7.1, 7.2, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SubIndicator {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub unit: String,
    pub target: Target,
    pub direction: Option<Direction>,
    pub lead_departments: Vec<String>,
    pub data_providers: Vec<String>,
}

/// One of the 36 numbered indicators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Indicator {
    /// `1` … `36`.
    pub code: String,
    pub number: u32,
    /// The name in the national framework.
    pub name: String,
    pub name_en: String,
    /// The name as the plan's 附件1 prints it.
    pub name_printed: String,
    pub domain: Domain,
    pub category: u32,
    pub unit: String,
    pub attribute: Attribute,
    pub target: Target,
    pub direction: Option<Direction>,
    pub lead_departments: Vec<String>,
    pub data_providers: Vec<String>,
    pub sub_indicators: Vec<SubIndicator>,
    /// The target applies only where the rate is at most this (22: 综合利用率≤60%的地区); above
    /// it a value is `not_applicable`.
    #[serde(default, with = "rust_decimal::serde::str_option")]
    #[schema(value_type = Option<String>)]
    pub applies_while_rate_at_most: Option<Decimal>,
}

/// What kind of org unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    Department,
    Region,
    Unit,
}

/// Who reports and who is assessed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OrgUnit {
    /// The canonical name (the plan's fullest spelling).
    pub name: String,
    pub name_en: String,
    pub kind: OrgKind,
    /// Other spellings the plan uses.
    pub aliases: Vec<String>,
    /// For units: the region it belongs to, where known.
    pub region: Option<String>,
}

/// A quantity a task sets (67万亩 by 2025, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Quantity {
    pub what: String,
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String)]
    pub amount: Decimal,
    pub unit: String,
    pub deadline: Option<i32>,
    pub comparison: String,
    pub printed: String,
}

/// One of the numbered work tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Task {
    pub number: u32,
    pub section: u32,
    pub title: String,
    pub text: String,
    pub responsibility_printed: String,
    pub lead_departments: Vec<String>,
    pub responsible_departments: Vec<String>,
    pub survey_departments: Vec<String>,
    pub indicators: Vec<String>,
    pub quantities: Vec<Quantity>,
}

/// 实施年限: years, ongoing, or not printed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Period {
    pub printed: String,
    pub start: Option<i32>,
    pub end: Option<i32>,
    /// 持续推进 / 持续开展.
    pub ongoing: bool,
}

impl Period {
    /// The share of the period elapsed by the end of month `month` of `year` (0–1): what an
    /// even pace expects done by then; `None` for a period without printed years.
    pub fn elapsed_share(&self, year: i32, month: u32) -> Option<rust_decimal::Decimal> {
        let (s, e) = (self.start?, self.end?);
        let total = (e - s + 1) * 12;
        let done = ((year - s) * 12 + month as i32).clamp(0, total);
        Some(rust_decimal::Decimal::from(done) / rust_decimal::Decimal::from(total))
    }

    /// True when the period covers any part of the years `from..=to`.
    pub fn overlaps(&self, from: i32, to: i32) -> bool {
        if self.ongoing {
            return true;
        }
        match (self.start, self.end) {
            (Some(s), Some(e)) => s <= to && e >= from,
            _ => false,
        }
    }
}

/// 投资概算: as printed, the unit it was read in, and the amount in 亿元.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Budget {
    pub printed: String,
    /// `亿元` or `万元`.
    pub unit: String,
    /// The amount in 亿元 (100 million CNY).
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String)]
    pub yi: Decimal,
    /// True when the unit was inferred against the column header (see the findings).
    pub doubtful: bool,
}

/// One of the listed projects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Project {
    pub number: u32,
    pub domain: Domain,
    pub name: String,
    pub assessed_indicators: Vec<String>,
    pub assessed_indicators_printed: String,
    pub scope: String,
    pub period: Period,
    pub budget: Option<Budget>,
    pub implementers: Vec<String>,
    pub implementers_printed: String,
}

/// A dated milestone of a phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Milestone {
    pub text: String,
    pub text_en: String,
    pub due: NaiveDate,
}

/// One of the dated stages of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Phase {
    pub number: u32,
    pub name: String,
    pub name_en: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub milestones: Vec<Milestone>,
}

/// The national indicator framework a plan follows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FrameworkRef {
    pub code: String,
    pub name: String,
    pub document: String,
}

/// A zone's plan, as loaded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Plan {
    pub zone: Zone,
    pub code: String,
    pub title: String,
    pub title_en: String,
    pub document_number: String,
    pub issued_on: NaiveDate,
    pub start_year: i32,
    pub end_year: i32,
    pub base_year: i32,
    /// The planned date of the national review (复核).
    pub review_date: NaiveDate,
    pub framework: FrameworkRef,
    pub categories: Vec<Category>,
    pub indicators: Vec<Indicator>,
    pub org_units: Vec<OrgUnit>,
    pub tasks: Vec<Task>,
    pub projects: Vec<Project>,
    pub phases: Vec<Phase>,
    pub findings: Vec<Finding>,
    /// SHA-256 of the data files the plan was built from.
    pub content_hash: String,
    /// The plan this one follows, and what of it each indicator, task and project continues
    /// (None for a zone's first plan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lineage: Option<Lineage>,
    /// For a plan kept after the next one was issued: the last year whose entries are its own
    /// (its last year, or a later one it opened and filled); the entries of later years are the
    /// next plan's, and it never reads them. Known when the plan is read as an earlier one, never
    /// stored.
    #[serde(skip)]
    pub superseded_after: Option<i32>,
}

/// What a plan continues of the plan before it (the next plan from the last): which leaf
/// indicator, task and project of the earlier plan each of its own continues, so that their
/// history follows them under their new codes and numbers; the cumulative investment a project
/// brings; the base-year value of an indicator new to the zone. See `crate::plan_next`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Lineage {
    /// The code of the plan it follows.
    pub previous: String,
    /// That plan's last year: its entries are of the years up to it.
    pub previous_end_year: i32,
    /// Leaf code here → the leaf code of the earlier plan it continues.
    pub leaves: std::collections::BTreeMap<String, String>,
    /// Task number here → the earlier plan's task number.
    pub tasks: std::collections::BTreeMap<u32, u32>,
    /// Project number here → the earlier plan's project number.
    pub projects: std::collections::BTreeMap<u32, u32>,
    /// Project number here → its cumulative investment (万元) when the earlier plan ended.
    #[schema(value_type = std::collections::BTreeMap<u32, String>)]
    pub carried_investment_wan: std::collections::BTreeMap<u32, Decimal>,
    /// Leaf code here → its base-year value, for an indicator the earlier plan did not have.
    pub baselines: std::collections::BTreeMap<String, String>,
    /// The plans before the earlier one, latest first: what this plan continues of each, by its
    /// own codes and numbers (composed when the plan is issued), for the years up to each one's end.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub older: Vec<Hop>,
}

/// What a plan continues of a plan further back, up to that plan's last year.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Hop {
    pub end_year: i32,
    pub leaves: std::collections::BTreeMap<String, String>,
    pub tasks: std::collections::BTreeMap<u32, u32>,
    pub projects: std::collections::BTreeMap<u32, u32>,
}

/// A leaf of the indicator tree: an indicator without parts, or a sub-indicator.
#[derive(Debug, Clone, Copy)]
pub struct Leaf<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub unit: &'a str,
    pub target: &'a Target,
    pub direction: Option<Direction>,
    pub indicator: &'a Indicator,
}

impl Plan {
    /// What the zone's work is called in its documents, from the plan's own title: the words
    /// between the zone's name and 实施方案/方案/规划 (呼和浩特市**国家生态文明建设示范市巩固提升**实施方案
    /// → consolidating a title held), else from the kind and level of the zone, as creation.
    pub fn campaign(&self, l: crate::Locale) -> String {
        let from_title = self.title.strip_prefix(self.zone.name.as_str()).and_then(|rest| {
            let end = ["实施方案", "工作方案", "方案", "规划"].iter().filter_map(|w| rest.find(w)).min()?;
            Some(rest[..end].trim().to_string()).filter(|c| c.chars().count() >= 4)
        });
        let consolidating = from_title.as_deref().is_some_and(|c| c.contains("巩固"));
        if let (crate::Locale::Zh, Some(c)) = (l, from_title) {
            return c;
        }
        let place = crate::locale::t(l, if self.zone.level == ZoneLevel::City { "campaign.place.city" } else { "campaign.place.county" });
        let kind = match self.zone.kind {
            ZoneKind::DemonstrationZone => "demonstration_zone",
            ZoneKind::TwoMountainsBase => "two_mountains_base",
        };
        let how = if consolidating { "consolidate" } else { "create" };
        crate::locale::tf(l, &format!("campaign.{how}.{kind}"), &[("place", place.to_string())])
    }
}

impl Plan {
    pub fn indicator(&self, code: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.code == code)
    }
    /// The task of a number: found at once where the tasks are numbered in order from 1, as a
    /// plan prints them (an import looks up one per row), else searched.
    pub fn task(&self, number: u32) -> Option<&Task> {
        let at = (number as usize).checked_sub(1).and_then(|i| self.tasks.get(i)).filter(|t| t.number == number);
        at.or_else(|| self.tasks.iter().find(|t| t.number == number))
    }
    /// The project of a number (at once where they are numbered in order, as [`Plan::task`]).
    pub fn project(&self, number: u32) -> Option<&Project> {
        let at = (number as usize).checked_sub(1).and_then(|i| self.projects.get(i)).filter(|p| p.number == number);
        at.or_else(|| self.projects.iter().find(|p| p.number == number))
    }
    pub fn category(&self, number: u32) -> Option<&Category> {
        self.categories.iter().find(|c| c.number == number)
    }
    /// The org unit with this name or alias.
    pub fn org_unit(&self, name: &str) -> Option<&OrgUnit> {
        let n = name.trim();
        self.org_units.iter().find(|o| o.name == n || o.aliases.iter().any(|a| a == n))
    }
    /// The region (旗县区) with this name or alias; None for other org units.
    pub fn region(&self, name: &str) -> Option<&OrgUnit> {
        self.org_unit(name).filter(|o| o.kind == OrgKind::Region)
    }
    /// Every leaf indicator in order: 1, 2, …, 7.1, 7.2, 8.1, …
    pub fn leaves(&self) -> Vec<Leaf<'_>> {
        let mut out = Vec::new();
        for i in &self.indicators {
            if i.sub_indicators.is_empty() {
                out.push(Leaf { code: &i.code, name: &i.name, unit: &i.unit, target: &i.target, direction: i.direction, indicator: i });
            } else {
                for s in &i.sub_indicators {
                    out.push(Leaf { code: &s.code, name: &s.name, unit: &s.unit, target: &s.target, direction: s.direction, indicator: i });
                }
            }
        }
        out
    }
    /// The leaf with this code (`7.2`, `3`).
    pub fn leaf(&self, code: &str) -> Option<Leaf<'_>> {
        let code = code.trim();
        // a sub-indicator's code starts with its indicator's (7.2 of 7): found without listing
        // every leaf; any other code is searched among them all
        let direct = self.indicator_of(code).and_then(|i| {
            if i.sub_indicators.is_empty() {
                (i.code == code).then_some(Leaf { code: &i.code, name: &i.name, unit: &i.unit, target: &i.target, direction: i.direction, indicator: i })
            } else {
                let s = i.sub_indicators.iter().find(|s| s.code == code)?;
                Some(Leaf { code: &s.code, name: &s.name, unit: &s.unit, target: &s.target, direction: s.direction, indicator: i })
            }
        });
        direct.or_else(|| self.leaves().into_iter().find(|l| l.code == code))
    }
    /// The name of a leaf (or indicator) in a language; empty for an unknown code.
    pub fn leaf_name(&self, code: &str, l: crate::Locale) -> String {
        if let Some(i) = self.indicator(code) {
            return l.pick(&i.name, &i.name_en).to_string();
        }
        self.indicator_of(code)
            .and_then(|i| i.sub_indicators.iter().find(|s| s.code == code))
            .map(|s| l.pick(&s.name, &s.name_en).to_string())
            .unwrap_or_default()
    }
    /// The indicator a code (indicator or sub-indicator) belongs to.
    pub fn indicator_of(&self, code: &str) -> Option<&Indicator> {
        let top = code.split('.').next().unwrap_or(code);
        self.indicator(top)
    }
    /// Tasks that serve an indicator (or one of its sub-indicators).
    pub fn tasks_for(&self, indicator: &str) -> Vec<&Task> {
        self.tasks.iter().filter(|t| t.indicators.iter().any(|c| serves(c, indicator))).collect()
    }
    /// Projects assessed on an indicator (or one of its sub-indicators).
    pub fn projects_for(&self, indicator: &str) -> Vec<&Project> {
        self.projects.iter().filter(|p| p.assessed_indicators.iter().any(|c| serves(c, indicator))).collect()
    }
    /// Sum of the budgets in 亿元 and how many of them are doubtful.
    pub fn budget_total<'a>(projects: impl IntoIterator<Item = &'a Project>) -> BudgetTotal {
        let mut t = BudgetTotal::default();
        for p in projects {
            t.projects += 1;
            match &p.budget {
                Some(b) => {
                    t.yi += b.yi;
                    if b.doubtful {
                        t.doubtful += 1;
                        t.doubtful_yi += b.yi;
                    }
                }
                None => t.without_budget += 1,
            }
        }
        t
    }
}

/// Budget totals of a set of projects.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct BudgetTotal {
    pub projects: usize,
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String)]
    pub yi: Decimal,
    pub doubtful: usize,
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String)]
    pub doubtful_yi: Decimal,
    pub without_budget: usize,
}

/// True when code `c` (of a task or project) is `indicator` or one of its parts, or
/// `indicator` is a part of `c`.
fn serves(c: &str, indicator: &str) -> bool {
    c == indicator || c.starts_with(&format!("{indicator}.")) || indicator.starts_with(&format!("{c}."))
}

/// A selection of projects: by domain, implementer, indicator and year (all optional).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectFilter {
    pub domain: Option<Domain>,
    /// The canonical name of an org unit.
    pub implementer: Option<String>,
    /// An indicator or sub-indicator code.
    pub indicator: Option<String>,
    /// A year the project's period covers (ongoing projects cover every year; projects
    /// without a printed period cover none).
    pub year: Option<i32>,
}

impl Plan {
    /// The projects that pass the filter, in plan order.
    pub fn filter_projects(&self, f: &ProjectFilter) -> Vec<&Project> {
        self.projects
            .iter()
            .filter(|p| f.domain.is_none_or(|d| p.domain == d))
            .filter(|p| f.implementer.as_ref().is_none_or(|o| p.implementers.contains(o)))
            .filter(|p| f.indicator.as_ref().is_none_or(|c| p.assessed_indicators.iter().any(|a| serves(a, c))))
            .filter(|p| f.year.is_none_or(|y| p.period.overlaps(y, y)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan_data::{build_plan, hohhot};

    #[test]
    fn the_campaign_is_named_from_the_plans_title() {
        let mut plan = build_plan(&hohhot()).unwrap();
        assert_eq!(plan.campaign(crate::Locale::Zh), "国家生态文明建设示范市巩固提升");
        assert_eq!(plan.campaign(crate::Locale::En), "consolidating the title of national eco-civilization demonstration city");
        plan.title = "某县生态文明建设示范区建设规划（2024-2030年）".into();
        plan.zone.level = ZoneLevel::County;
        assert_eq!(plan.campaign(crate::Locale::Zh), "国家生态文明建设示范县创建", "a title that does not start with the zone's name");
        assert_eq!(plan.campaign(crate::Locale::En), "building a national eco-civilization demonstration county");
        plan.zone.name = "某县".into();
        assert_eq!(plan.campaign(crate::Locale::Zh), "生态文明建设示范区建设");
    }

    #[test]
    fn project_filters() {
        let plan = build_plan(&hohhot()).unwrap();
        let all = plan.filter_projects(&ProjectFilter::default());
        assert_eq!(all.len(), 76);
        let f = ProjectFilter { implementer: Some("市住建局".into()), ..Default::default() };
        assert_eq!(plan.filter_projects(&f).len(), 23);
        let f = ProjectFilter { indicator: Some("7".into()), ..Default::default() };
        let air = plan.filter_projects(&f);
        assert!(air.iter().all(|p| p.assessed_indicators.iter().any(|c| c.starts_with("7"))));
        assert!(!air.is_empty());
        let f = ProjectFilter { domain: Some(Domain::Culture), ..Default::default() };
        assert_eq!(plan.filter_projects(&f).iter().map(|p| p.number).collect::<Vec<_>>(), vec![74, 75, 76]);
        let f = ProjectFilter { year: Some(2025), ..Default::default() };
        let y = plan.filter_projects(&f);
        assert!(y.iter().all(|p| p.period.ongoing || p.period.end.unwrap() >= 2025));
        let total = Plan::budget_total(plan.filter_projects(&ProjectFilter::default()));
        assert_eq!(total.projects, 76);
        assert_eq!(total.without_budget, 5);
        assert_eq!(total.doubtful, 4);
    }
}
