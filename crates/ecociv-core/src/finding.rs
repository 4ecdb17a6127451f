//! A finding of the plan data-quality audit: its code, severity, place (table, row, field),
//! what was printed and the reading ecociv uses. The audit ([`crate::audit`]) makes them; the
//! plan carries them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::locale::Locale;

/// Where a finding is: the table of the plan (`plan`, `phases`, `indicators`, `tasks`,
/// `projects`), the row (an indicator code, a task or project number) and the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Place {
    pub table: String,
    pub row: String,
    pub field: String,
}

impl Place {
    pub fn new(table: &str, row: &str, field: &str) -> Place {
        Place { table: table.into(), row: row.into(), field: field.into() }
    }
}

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The data needed a reading; nothing is likely wrong.
    Info,
    /// The printed plan is probably wrong here; the suggested reading is used.
    Warning,
}

/// The kinds of findings (stable codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FindingCode {
    /// An amount whose magnitude does not fit the unit of its column.
    BudgetUnitDoubtful,
    /// A project prints no period.
    PeriodMissing,
    /// A period that cannot be read as years.
    PeriodUnreadable,
    /// A project's period ends before the plan starts.
    PeriodBeforePlan,
    /// An org unit spelt differently in two places.
    NameVariant,
    /// Text broken or mistyped in the printed plan, corrected in the data.
    Correction,
    /// A reading the data had to make.
    Assumption,
    /// A project filed under a domain its indicators do not belong to.
    DomainMismatch,
    /// A project assessed on none of the plan's indicators.
    IndicatorUnmatched,
    /// A task prints no lead department.
    LeadMissing,
    /// A task's leads differ from the leads of the indicator it serves.
    LeadMismatch,
    /// A project's text places it in a region none of its implementers belongs to.
    LocationMismatch,
    /// A year in a project's name lies outside its period.
    NameYearOutsidePeriod,
}

impl FindingCode {
    pub fn code(self) -> &'static str {
        match self {
            FindingCode::BudgetUnitDoubtful => "budget_unit_doubtful",
            FindingCode::PeriodMissing => "period_missing",
            FindingCode::PeriodUnreadable => "period_unreadable",
            FindingCode::PeriodBeforePlan => "period_before_plan",
            FindingCode::NameVariant => "name_variant",
            FindingCode::Correction => "correction",
            FindingCode::Assumption => "assumption",
            FindingCode::DomainMismatch => "domain_mismatch",
            FindingCode::IndicatorUnmatched => "indicator_unmatched",
            FindingCode::LeadMissing => "lead_missing",
            FindingCode::LeadMismatch => "lead_mismatch",
            FindingCode::LocationMismatch => "location_mismatch",
            FindingCode::NameYearOutsidePeriod => "name_year_outside_period",
        }
    }
    /// A short title for people.
    pub fn title(self, l: Locale) -> &'static str {
        match self {
            FindingCode::BudgetUnitDoubtful => l.pick("金额单位存疑", "Amount in a doubtful unit"),
            FindingCode::PeriodMissing => l.pick("缺少实施年限", "Period missing"),
            FindingCode::PeriodUnreadable => l.pick("实施年限无法识别", "Period unreadable"),
            FindingCode::PeriodBeforePlan => l.pick("实施年限早于方案期", "Period ends before the plan"),
            FindingCode::NameVariant => l.pick("名称写法不一", "Name spelt differently"),
            FindingCode::Correction => l.pick("原文修正", "Correction of the printed text"),
            FindingCode::Assumption => l.pick("数据解读假设", "Assumption of the data"),
            FindingCode::DomainMismatch => l.pick("领域与考核指标不符", "Domain does not fit the indicators"),
            FindingCode::IndicatorUnmatched => l.pick("考核指标不在36项指标内", "Assessed on none of the 36 indicators"),
            FindingCode::LeadMissing => l.pick("未列牵头部门", "No lead department printed"),
            FindingCode::LeadMismatch => l.pick("牵头部门与指标不一致", "Lead differs from the indicator's"),
            FindingCode::LocationMismatch => l.pick("项目地点与实施单位不符", "Location differs from the implementer's"),
            FindingCode::NameYearOutsidePeriod => l.pick("项目名称中的年份不在实施年限内", "Year in the name outside the period"),
        }
    }
}

/// One finding of the audit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Finding {
    pub code: FindingCode,
    pub severity: Severity,
    pub place: Place,
    /// What the plan prints.
    pub printed: String,
    /// The reading ecociv uses.
    pub suggested: String,
    /// Why, in Chinese (may be empty).
    pub note: String,
    /// Why, in English (may be empty).
    #[serde(default)]
    pub note_en: String,
}

impl Finding {
    pub fn new(code: FindingCode, severity: Severity, place: Place, printed: &str, suggested: &str, note: String, note_en: String) -> Finding {
        Finding { code, severity, place, printed: printed.into(), suggested: suggested.into(), note, note_en }
    }

    /// The note in the given language, falling back to the other one.
    pub fn note_in(&self, l: Locale) -> &str {
        let (first, second) = match l {
            Locale::Zh => (&self.note, &self.note_en),
            Locale::En => (&self.note_en, &self.note),
        };
        if first.is_empty() { second } else { first }
    }

    /// The place as people read it: 附件2 第41行 投资概算.
    pub fn place_label(&self, l: Locale) -> String {
        let table = match (self.place.table.as_str(), l) {
            ("indicators", Locale::Zh) => "附件1 指标",
            ("projects", Locale::Zh) => "附件2 项目",
            ("tasks", Locale::Zh) => "主要工作任务",
            ("phases", Locale::Zh) => "工作步骤",
            ("plan", Locale::Zh) => "方案",
            ("indicators", Locale::En) => "Annex 1 indicator",
            ("projects", Locale::En) => "Annex 2 project",
            ("tasks", Locale::En) => "task",
            ("phases", Locale::En) => "phase",
            (other, _) => other,
        };
        format!("{table} {} · {}", self.place.row, self.place.field)
    }
}

/// Orders findings by table (as the plan reads), row, field.
pub fn sort(findings: &mut [Finding]) {
    let table_rank = |t: &str| ["plan", "phases", "indicators", "tasks", "projects"].iter().position(|x| *x == t).unwrap_or(9);
    let row_key = |r: &str| -> Vec<u32> { r.split('.').map(|p| p.parse().unwrap_or(u32::MAX)).collect() };
    findings.sort_by(|a, b| {
        table_rank(&a.place.table)
            .cmp(&table_rank(&b.place.table))
            .then_with(|| row_key(&a.place.row).cmp(&row_key(&b.place.row)))
            .then_with(|| a.place.field.cmp(&b.place.field))
            .then_with(|| a.code.code().cmp(b.code.code()))
    });
}
