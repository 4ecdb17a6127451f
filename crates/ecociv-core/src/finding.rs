//! A finding of the plan data-quality audit: its code, severity, place (table, row, field),
//! what was printed and the reading ecociv uses. The audit ([`crate::audit`]) makes them; the
//! plan carries them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::locale::{Locale, t};

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
            FindingCode::BudgetUnitDoubtful => t(l, "finding.budget_unit_doubtful"),
            FindingCode::PeriodMissing => t(l, "finding.period_missing"),
            FindingCode::PeriodUnreadable => t(l, "finding.period_unreadable"),
            FindingCode::PeriodBeforePlan => t(l, "finding.period_before_plan"),
            FindingCode::NameVariant => t(l, "finding.name_variant"),
            FindingCode::Correction => t(l, "finding.correction"),
            FindingCode::Assumption => t(l, "finding.assumption"),
            FindingCode::DomainMismatch => t(l, "finding.domain_mismatch"),
            FindingCode::IndicatorUnmatched => t(l, "finding.indicator_unmatched"),
            FindingCode::LeadMissing => t(l, "finding.lead_missing"),
            FindingCode::LeadMismatch => t(l, "finding.lead_mismatch"),
            FindingCode::LocationMismatch => t(l, "finding.location_mismatch"),
            FindingCode::NameYearOutsidePeriod => t(l, "finding.name_year_outside_period"),
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

    /// The note in the given language (the English one in every locale but zh-CN, as for the
    /// plan's names), falling back to the other one.
    pub fn note_in(&self, l: Locale) -> &str {
        let (first, second) = if l == Locale::Zh { (&self.note, &self.note_en) } else { (&self.note_en, &self.note) };
        if first.is_empty() { second } else { first }
    }

    /// The place as people read it: 附件2 第41行 投资概算.
    pub fn place_label(&self, l: Locale) -> String {
        let table = match self.place.table.as_str() {
            "indicators" => t(l, "finding.place.indicators"),
            "projects" => t(l, "finding.place.projects"),
            "tasks" => t(l, "finding.place.tasks"),
            "phases" => t(l, "finding.place.phases"),
            "plan" => t(l, "finding.place.plan"),
            other => other,
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
